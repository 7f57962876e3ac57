from django.urls import path

from summaries import views

app_name = "exports"

urlpatterns = [
    path("", views.exports, name="steward"),
]
