"""Monthly meetings, themes, attendance, decisions, agenda, minutes and grouping suggestions.

Secret ballots are in ``meetings.models.voting``.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum
from issues.models import Issue


class Phase(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    REVIEW = "review", _("Review")
    GROUP = "group", _("Group")
    VOTE = "vote", _("Vote")
    DECIDE = "decide", _("Decide")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The order a meeting runs in; cancelled sits outside it.
PHASE_ORDER = [
    Phase.SCHEDULED,
    Phase.REVIEW,
    Phase.GROUP,
    Phase.VOTE,
    Phase.DECIDE,
    Phase.CLOSED,
]
LIVE_PHASES = frozenset({Phase.REVIEW, Phase.GROUP, Phase.VOTE, Phase.DECIDE})


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def in_forum(self, forum: Forum) -> "MeetingQuerySet":
        return self.filter(forum=forum)

    def upcoming(self) -> "MeetingQuerySet":
        """Meetings still to happen or running now, soonest first."""
        return self.exclude(phase__in=[Phase.CLOSED, Phase.CANCELLED]).order_by("starts_at")

    def past(self) -> "MeetingQuerySet":
        return self.filter(phase__in=[Phase.CLOSED, Phase.CANCELLED]).order_by("-starts_at")

    def with_attendance(self) -> "MeetingQuerySet":
        return self.annotate(attendance_count=models.Count("attendances", distinct=True))

    def held_before(self, meeting: "Meeting") -> "MeetingQuerySet":
        """The forum's meetings that took place (closed) before ``meeting``, latest first.

        "The previous meeting" everywhere (new issues and follow-ups on the agenda, the
        minutes' "since the last meeting") is ``held_before(meeting).first()``: a cancelled
        meeting, or one scheduled but never run, did not happen.
        """
        return (
            self.filter(
                forum_id=meeting.forum_id, phase=Phase.CLOSED, starts_at__lt=meeting.starts_at
            )
            .exclude(pk=meeting.pk)
            .order_by("-starts_at")
        )


class Meeting(models.Model):
    """One forum meeting, from scheduling through the live phases to its minutes."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video call link"), blank=True)
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.SCHEDULED
    )
    dots_per_person = models.PositiveSmallIntegerField(_("dots per person"), default=5)
    max_dots_per_theme = models.PositiveSmallIntegerField(_("most dots on one theme"), default=3)
    voting_opens_at = models.DateTimeField(_("voting opened"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(
        _("voting closes"),
        null=True,
        blank=True,
        help_text=_("Members vote from any device until then; the ballots are counted then."),
    )
    vote_reminders_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("When reminders to vote were queued.")
    )
    state_version = models.PositiveIntegerField(default=1, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("Bumped each time the date or time changes.")
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(dots_per_person__gte=1), name="meeting_dots_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_dots_per_theme__gte=1), name="meeting_theme_cap_positive"
            ),
        ]
        indexes = [models.Index(fields=["forum", "starts_at"], name="meeting_by_date")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.forum.slug, self.pk])

    @property
    def is_live(self) -> bool:
        return self.phase in LIVE_PHASES

    @property
    def is_open_for_change(self) -> bool:
        return self.phase not in (Phase.CLOSED, Phase.CANCELLED)

    @property
    def results_visible(self) -> bool:
        return self.phase in (Phase.DECIDE, Phase.CLOSED)

    def voting_open(self, now: datetime | None = None) -> bool:
        """Ballots are taken: the vote phase, and its window has not yet closed."""
        if self.phase != Phase.VOTE:
            return False
        return self.voting_closes_at is None or (now or timezone.now()) < self.voting_closes_at


class MeetingNotice(models.Model):
    """A change to a meeting that its members are to be told about, until they have been.

    Scheduling, moving or cancelling a meeting writes one of these in the same transaction;
    a worker then writes one email per member (and the reminders) and marks it done. A
    sweeper does any that no worker got, so a broker outage delays the emails, never loses
    them.
    """

    class Change(models.TextChoices):
        NEW = "new", _("Arranged")
        MOVED = "moved", _("Changed")
        CANCELLED = "cancelled", _("Cancelled")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notices")
    change = models.CharField(max_length=16, choices=Change.choices)
    sequence = models.PositiveIntegerField(help_text=_("The meeting's sequence at the change."))
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting notice")
        verbose_name_plural = _("meeting notices")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "change", "sequence"], name="one_notice_per_change"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(done_at=None), name="meeting_notice_waiting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.change} #{self.sequence}"


class ThemeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    MONITORING = "monitoring", _("Monitoring")
    PARKED = "parked", _("Parked")


CARRIED_OVER = (ThemeStatus.OPEN, ThemeStatus.MONITORING, ThemeStatus.PARKED)


class ThemeQuerySet(models.QuerySet["Theme"]):
    def in_forum(self, forum: Forum) -> "ThemeQuerySet":
        return self.filter(forum=forum)

    def current(self) -> "ThemeQuerySet":
        """Themes not merged into another."""
        return self.filter(merged_into=None)

    def unresolved(self) -> "ThemeQuerySet":
        """Themes a meeting can still take up: carried over from earlier ones, or escalated."""
        return self.filter(status__in=[*CARRIED_OVER, ThemeStatus.ESCALATED])

    def to_follow_up(self) -> "ThemeQuerySet":
        """Themes the agenda brings back: monitoring, parked or escalated, with issue counts."""
        statuses = [ThemeStatus.MONITORING, ThemeStatus.PARKED, ThemeStatus.ESCALATED]
        return (
            self.filter(status__in=statuses)
            .annotate(issue_count=models.Count("theme_issues"))
            .order_by("status", "name")
        )

    def of_meeting(self, meeting: "Meeting") -> "ThemeQuerySet":
        """The themes on ``meeting``'s list, by name."""
        return self.filter(meeting_themes__meeting=meeting).order_by("name", "pk")

    def with_issues(self) -> "ThemeQuerySet":
        """Prefetch each theme's issue links with their issues, by issue title."""
        links = ThemeIssue.objects.select_related("issue").order_by("issue__title", "issue__pk")
        return self.prefetch_related(models.Prefetch("theme_issues", queryset=links))


class Theme(models.Model):
    """A group of related issues. Themes belong to the forum and live across meetings."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=120)
    named_by_person = models.BooleanField(
        default=True, help_text=_("A name a person chose is never changed by suggestions.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ThemeStatus.choices, default=ThemeStatus.OPEN
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_themes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="theme_not_merged_into_itself"
            ),
            # A merged theme is a trace and keeps its name; only current names must differ.
            models.UniqueConstraint(
                Lower("name"),
                "forum",
                condition=Q(merged_into=None),
                name="theme_name_unique_per_forum",
                violation_error_message=_("This forum already has a theme with that name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ThemeIssue(models.Model):
    """An issue's place in a theme. An issue is in one theme at most."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="theme_issues")
    issue = models.OneToOneField(Issue, on_delete=models.CASCADE, related_name="theme_link")
    added_in = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("issue in a theme")
        verbose_name_plural = _("issues in themes")

    def __str__(self) -> str:
        return f"{self.issue} → {self.theme}"


class MeetingTheme(models.Model):
    """A theme that came up in a meeting (and is on that meeting's ballot)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="meeting_themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="meeting_themes")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "theme"], name="theme_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.theme} in {self.meeting}"


class Attendance(models.Model):
    """A member took part in a meeting. Minutes show how many, never who."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attend_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"Attendance at {self.meeting_id}"


class Rsvp(models.Model):
    """A member's answer to "will you come?" for a meeting: there in person, or voting remotely."""

    class Answer(models.TextChoices):
        ATTEND = "attend", _("I'll be there")
        REMOTE = "remote", _("I'll vote remotely")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)

    class Meta:
        verbose_name = _("meeting reply")
        verbose_name_plural = _("meeting replies")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_rsvp_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.answer} for {self.meeting_id}"


class Outcome(models.TextChoices):
    ESCALATE = "escalate", _("Escalate to a senior leader")
    RESOLVE_LOCALLY = "resolve_locally", _("Resolve locally")
    MONITOR = "monitor", _("Monitor")
    PARK = "park", _("Park")


OUTCOME_THEME_STATUS = {
    Outcome.ESCALATE: ThemeStatus.ESCALATED,
    Outcome.RESOLVE_LOCALLY: ThemeStatus.RESOLVED,
    Outcome.MONITOR: ThemeStatus.MONITORING,
    Outcome.PARK: ThemeStatus.PARKED,
}


class Decision(models.Model):
    """What the meeting agreed to do about one theme."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    problem_statement = models.TextField(_("problem statement"), blank=True)
    proposed_solution = models.TextField(_("proposed solution"), blank=True)
    ask = models.TextField(_("the ask"), blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("senior leader"),
    )
    response_by = models.DateField(_("response needed by"), null=True, blank=True)
    owner = models.CharField(_("who does what"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "theme"], name="one_decision_per_theme"),
            models.CheckConstraint(
                condition=~Q(outcome="escalate")
                | (Q(leader__isnull=False) & Q(response_by__isnull=False) & ~Q(ask="")),
                name="escalation_has_leader_ask_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme}: {self.get_outcome_display()}"


class AgendaItem(models.Model):
    """A free item the convenor adds to a meeting's agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    title = models.CharField(_("item"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class Minutes(models.Model):
    """The written record of a meeting, editable until published."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    body = models.TextField(_("minutes"))
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"Minutes of {self.meeting}"


class MinutesRevision(models.Model):
    """Published minutes as they read before a correction, and what the correction changed.

    A correction replaces the minutes' text; the text it replaced is kept here, so every
    earlier version stays listed beside the minutes.
    """

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    note = models.CharField(max_length=200)
    corrected_at = models.DateTimeField()
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["minutes", "number"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "number"], name="minutes_revision_once")
        ]

    def __str__(self) -> str:
        return f"Minutes {self.minutes_id}, version {self.number}"


class SuggestionBatch(models.Model):
    """One run of "Suggest themes"; undoing it puts every accepted issue back."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="suggestions")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Suggestions for {self.meeting_id}"


class SuggestionItem(models.Model):
    """The theme (or new group) proposed for one ungrouped issue, and why."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    batch = models.ForeignKey(SuggestionBatch, on_delete=models.CASCADE, related_name="items")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    new_group = models.CharField(max_length=40, blank=True)
    new_name = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    previous_theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_status = models.CharField(max_length=16, blank=True)
    created_theme = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(theme__isnull=False) | ~Q(new_group=""),
                name="suggestion_has_a_target",
            )
        ]

    def __str__(self) -> str:
        return f"Suggestion for issue {self.issue_id}"
