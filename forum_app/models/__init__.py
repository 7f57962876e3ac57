"""People, forums and who may do what in each forum; the emails the forum owes them.

What the app keeps for its own working (sealed boxes, the cache table, forms already sent)
is in ``forum_app.models.storage``.
"""

import hashlib
import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum_app.names import is_reserved, validate_display_name


class UserQuerySet(models.QuerySet["User"]):
    def active_in(self, forum: "Forum", *roles: str) -> "UserQuerySet":
        """The people ``forum`` can reach in one of ``roles``: the forum's roster.

        An active account with an active membership in one of the roles. Every list of
        recipients and every choice of a person (a brief's leaders, the ladder) starts here,
        so a switched-off account or a membership that ended is never written to or offered.
        """
        return self.filter(
            is_active=True,
            memberships__forum=forum,
            memberships__status=Membership.Status.ACTIVE,
            memberships__role__in=roles,
        )

    def convenors_of(self, forum: "Forum") -> "UserQuerySet":
        """The forum's active convenors, oldest account first."""
        return self.active_in(forum, Role.CONVENOR).order_by("pk")

    def leaders_of(self, forum: "Forum") -> "UserQuerySet":
        """The forum's active leaders by name: the only people a brief may be addressed to."""
        return self.active_in(forum, Role.LEADER).order_by("display_name", "email")

    def members_of(self, forum: "Forum") -> "UserQuerySet":
        """The people who take part in the forum: its active members and convenors."""
        return self.active_in(forum, *PARTICIPANT_ROLES).order_by("pk")


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. People sign in with their email address."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("name shown to others"),
        max_length=80,
        blank=True,
        help_text=_("Shown on issues and comments you post under your name."),
        validators=[validate_display_name],
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("site admin"), default=False, help_text=_("Can use the admin site.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        name = self.display_name or self.email.split("@")[0]
        # A name taken before the rule, or an address such as convenor@…, must not pass as
        # one of the forum's own labels.
        if is_reserved(name):
            return str(_("Member %(n)s") % {"n": self.pk})
        return name

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Forum(models.Model):
    """One practitioner forum (for example children's services, or adults')."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name for links"), unique=True, max_length=60)
    description = models.TextField(_("description"), blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=60, default="Europe/London", validators=[validate_timezone]
    )
    dots_per_person = models.PositiveSmallIntegerField(_("dots per person when voting"), default=5)
    max_dots_per_theme = models.PositiveSmallIntegerField(_("most dots on one theme"), default=3)
    k_anonymity = models.PositiveSmallIntegerField(
        _("smallest group shown in summaries"),
        default=5,
        help_text=_("Breakdowns covering fewer people than this are folded into “other”."),
    )
    anonymity_window_minutes = models.PositiveSmallIntegerField(
        _("anonymous posts appear within (minutes)"),
        default=30,
        help_text=_(
            "An anonymous issue or update appears at a random moment within this many minutes, "
            "so the time it appears cannot be matched to the person who wrote it. At least 30."
        ),
    )
    voting_hours_after_meeting = models.PositiveSmallIntegerField(
        _("voting stays open after a meeting (hours)"),
        default=48,
        help_text=_(
            "Members who could not come vote from anywhere until this many hours after the "
            "meeting ends, unless the convenor chooses another time."
        ),
    )
    open_for_requests = models.BooleanField(
        _("open to join requests"),
        default=True,
        help_text=_("People signing up from an allowed email domain may ask to join."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dots_per_person__gte=1), name="forum_dots_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(max_dots_per_theme__gte=1), name="forum_theme_cap_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(k_anonymity__gte=2), name="forum_k_at_least_2"
            ),
            models.CheckConstraint(
                condition=models.Q(anonymity_window_minutes__gte=30),
                name="forum_anonymity_window_at_least_30",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    CONVENOR = "convenor", _("Convenor")
    STEWARD = "steward", _("Steward")
    LEADER = "leader", _("Leader")


# Roles that must use two-factor authentication before they reach their role's pages.
PRIVILEGED_ROLES = frozenset({Role.CONVENOR, Role.STEWARD, Role.LEADER})
# Roles that take part in the forum itself (issues, meetings, votes): the access table's
# "take_part" (forum_app.permissions) reads this set, so the roster and the table agree.
PARTICIPANT_ROLES = frozenset({Role.MEMBER, Role.CONVENOR})


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.ACTIVE)

    def pending(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.PENDING)


class Membership(models.Model):
    """A person's role in one forum. Roles are per forum."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["forum", "user"], name="one_membership_per_forum")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.forum}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


INVITATION_LIFETIME = timedelta(days=14)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> "InvitationQuerySet":
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use, expiring invitation to join a forum. Only the token's hash is kept."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.forum}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class Delivery(models.TextChoices):
    """How often a person wants one kind of email."""

    IMMEDIATE = "immediate", _("Straight away")
    DAILY = "daily", _("In a daily digest")
    WEEKLY = "weekly", _("In a weekly digest")
    OFF = "off", _("Never")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due(self, now, lease: timedelta) -> "NotificationQuerySet":
        """Rows a sender may claim: pending and due, or stuck in "sending" past the lease."""
        return self.filter(
            models.Q(status=Notification.Status.PENDING, due_at__lte=now)
            | models.Q(status=Notification.Status.SENDING, claimed_at__lt=now - lease)
        )

    def failed(self) -> "NotificationQuerySet":
        return self.filter(status=Notification.Status.FAILED)

    def about(self, obj: models.Model) -> "NotificationQuerySet":
        """Rows queued about ``obj`` (the meeting or brief a reminder is for).

        Matched by the type's name, a read only: looking the type up could write its row,
        which a secret ballot's transaction must not.
        """
        return self.filter(
            about_type__app_label=obj._meta.app_label,
            about_type__model=obj._meta.model_name,
            about_id=obj.pk,
        )

    def not_yet_sent(self) -> "NotificationQuerySet":
        """Rows still waiting: to be sent, or to go in a digest. A row being sent is out."""
        return self.filter(status__in=[Notification.Status.PENDING, Notification.Status.DIGEST])


class Notification(models.Model):
    """One message to send, written in the same transaction as the change that causes it.

    The outbox: a sweeper sends due rows; ``dedupe_key`` makes each message unique, so a
    change that runs twice queues it once, and the conditional claim sends it once. Rows for
    people who chose a digest wait in ``digest`` status until the digest job bundles them.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DIGEST = "digest", _("Waiting for a digest")
        DIGESTED = "digested", _("Sent in a digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(_("email address"))
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=60)
    dedupe_key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    digest = models.CharField(
        _("digest"),
        max_length=16,
        choices=[(Delivery.DAILY, Delivery.DAILY.label), (Delivery.WEEKLY, Delivery.WEEKLY.label)],
        blank=True,
    )
    bundle = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        help_text=_("The digest email this item was sent in."),
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    due_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the first attempt was made: passing failures are retried for a set time from it.
    first_tried_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What a row is about (the meeting or brief a reminder is for, the timeline event a piece
    # of news tells), so it can be withdrawn or found by that, never by its key. Never an
    # issue or a person's post: nothing here may point from an email to an anonymous author.
    about_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "due_at"], name="notification_due"),
            models.Index(fields=["about_type", "about_id"], name="notification_about"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(claimed_at__isnull=False),
                name="notification_sending_has_claim",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="digest") | ~models.Q(digest=""),
                name="notification_digest_has_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.email}"


class NotificationPreference(models.Model):
    """How often one person wants one kind of email. No row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"


from forum_app.models.storage import (  # noqa: E402 — after the models they may name
    CacheEntry,
    FormSubmission,
    SealedBox,
    SealedEntry,
)

__all__ = ["CacheEntry", "FormSubmission", "SealedBox", "SealedEntry"]
