from django.urls import path

from escalations import views

app_name = "escalations"

urlpatterns = [
    path("", views.briefs_for_me, name="briefs_for_me"),
]
