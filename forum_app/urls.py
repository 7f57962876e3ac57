from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from forum_app import views
from forum_app.notifications import views as notification_views

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
    path(
        "notifications/failed/",
        notification_views.notifications_failed,
        name="notifications_failed",
    ),
    path(
        "notifications/failed/send-again/",
        notification_views.notifications_retry_failed,
        name="notifications_retry_failed",
    ),
    path(
        "notifications/<int:pk>/retry/",
        notification_views.notification_retry,
        name="notification_retry",
    ),
    path("issues/", include("issues.urls")),
    path("meetings/", include("meetings.urls")),
    path("briefs/", include("escalations.urls")),
    path("summary/", include("summaries.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/broker", views.healthz_broker, name="healthz_broker"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("join/", views.join, name="join"),
    path("session/extend/", views.session_extend, name="session_extend"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("f/<slug:slug>/", include(forum_patterns)),
    path("briefs/", include("escalations.leader_urls")),
    path("exports/", include("summaries.steward_urls")),
    path(
        "accounts/notifications/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "accounts/notifications/unsubscribe/<str:token>/",
        notification_views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
    path("dev/mailbox/", notification_views.dev_mailbox, name="dev_mailbox"),
    path(
        "dev/mailbox/<str:name>/<int:index>/",
        notification_views.dev_mailbox_message,
        name="dev_mailbox_message",
    ),
    path(
        "dev/mailbox/<str:name>/<int:index>/html/",
        notification_views.dev_mailbox_html,
        name="dev_mailbox_html",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "forum_app.errors.forbidden"
handler404 = "forum_app.errors.not_found"
handler500 = "forum_app.errors.server_error"
