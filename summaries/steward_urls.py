from django.urls import path

from summaries.views import stewards as views

app_name = "exports"

urlpatterns = [
    path("", views.exports, name="steward"),
    path("<int:pk>/", views.export_job, name="job"),
    path("<int:pk>/download/", views.export_download, name="download"),
]
