"""The leaders' pages, under /briefs/: only briefs addressed to the person signed in."""

from django.urls import path

from escalations.views import leaders as views

app_name = "escalations"

urlpatterns = [
    path("", views.briefs_for_me, name="briefs_for_me"),
    path("<int:pk>/", views.brief, name="brief"),
    path("<int:pk>/versions/<int:number>.pdf", views.version_pdf, name="version_pdf"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/commitments/", views.commitment_add, name="commitment_add"),
    path("commitments/<int:pk>/", views.commitment_update, name="commitment_update"),
]
