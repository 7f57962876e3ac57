"""The admin site, for configuring forums and roles.

It never shows forum content that could identify people: anonymous issues hold no author,
ballots hold no voter, and supporters are not listed anywhere.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError

from forum_app.models import Forum, Invitation, Membership, Notification, User
from forum_app.notifications import notification_retry
from forum_app.services import user_deactivate


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "display_name"]
    list_filter = ["is_active", "is_staff"]
    fieldsets = [
        (None, {"fields": ["email", "password", "display_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate_and_sign_out"]

    @admin.action(description="Switch off the selected accounts and sign them out everywhere")
    def deactivate_and_sign_out(self, request, queryset) -> None:
        for user in queryset:
            user_deactivate(user=user, actor=request.user)
        self.message_user(request, f"Switched off {len(queryset)} account(s).")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Forum)
class ForumAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "open_for_requests"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "forum", "role", "status"]
    list_filter = ["forum", "role", "status"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "forum", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["forum"]
    readonly_fields = ["token_hash"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox. Failed emails show their reason and can be sent again.

    The message's context is left out: it can hold forum content.
    """

    list_display = [
        "kind",
        "email",
        "forum",
        "status",
        "attempts",
        "last_error",
        "due_at",
        "sent_at",
    ]
    list_filter = ["status", "kind", "forum"]
    search_fields = ["email"]
    fields = [
        "kind",
        "email",
        "recipient",
        "forum",
        "status",
        "digest",
        "attempts",
        "last_error",
        "due_at",
        "claimed_at",
        "sent_at",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["retry_failed"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send the selected failed emails again")
    def retry_failed(self, request, queryset) -> None:
        queued = 0
        for row in queryset.filter(status=Notification.Status.FAILED):
            try:
                notification_retry(notification=row, actor=request.user)
            except ValidationError:
                continue
            queued += 1
        self.message_user(request, f"{queued} failed email(s) queued to send again.")
