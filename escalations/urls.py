"""A forum's brief pages, under f/<slug>/briefs/."""

from django.urls import path

from escalations.views import briefs as views

app_name = "forum_briefs"

urlpatterns = [
    path("", views.brief_list, name="list"),
    path("you-said-we-did/", views.you_said_we_did, name="you_said_we_did"),
    path("decisions/<int:decision>/brief/", views.brief_from_decision, name="from_decision"),
    path("themes/<int:theme>/brief/", views.brief_from_theme, name="from_theme"),
    path("verify/", views.brief_verify, name="verify"),
    path("<int:pk>/", views.brief_detail, name="detail"),
    path("<int:pk>/edit/", views.brief_edit, name="edit"),
    path(
        "<int:pk>/figures/<int:figure>/remove/",
        views.brief_figure_remove,
        name="figure_remove",
    ),
    path("<int:pk>/preview/", views.brief_preview, name="preview"),
    path("<int:pk>/draft.pdf", views.brief_draft_pdf, name="draft_pdf"),
    path("<int:pk>/check/", views.brief_check, name="check"),
    path("<int:pk>/send/", views.brief_send, name="send"),
    path("<int:pk>/status/", views.brief_status, name="status"),
    path("<int:pk>/difference/", views.brief_difference, name="difference"),
    path("<int:pk>/versions/<int:number>.pdf", views.version_pdf, name="version_pdf"),
]
