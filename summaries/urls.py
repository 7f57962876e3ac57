from django.urls import path

from summaries.views import forum as views

app_name = "summaries"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pulse/", views.pulse, name="pulse"),
    path("pulse/to-brief/", views.pulse_to_brief, name="pulse_to_brief"),
]
