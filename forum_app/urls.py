from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from forum_app import views

# The admin signs in through allauth, so its rate limits and two-factor step apply.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Social Work Forum administration"

forum_patterns = [
    path("", views.forum_home, name="forum_home"),
    path("members/", views.forum_members, name="forum_members"),
    path("members/<int:pk>/approve/", views.membership_approve, name="membership_approve"),
    path("members/<int:pk>/decline/", views.membership_decline, name="membership_decline"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("issues/", include("issues.urls")),
    path("meetings/", include("meetings.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("join/", views.join, name="join"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("f/<slug:slug>/", include(forum_patterns)),
    path("briefs/", include("escalations.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "forum_app.errors.forbidden"
handler404 = "forum_app.errors.not_found"
handler500 = "forum_app.errors.server_error"
