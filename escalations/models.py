"""Escalation briefs, their frozen versions, leaders' responses, commitments and follow-ups.

A sent ``BriefVersion`` never changes: the model refuses updates and deletes, and on
PostgreSQL a trigger refuses them too. "Did this make a difference?" is stored like a
ballot: ``DifferenceReceipt`` says who answered, ``DifferenceTally`` holds only counts.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum
from issues.models import Issue
from meetings.models import Decision, Theme

RESPONSE_WINDOW = datetime.timedelta(days=28)


def default_response_by() -> datetime.date:
    return timezone.localdate() + RESPONSE_WINDOW


class ImmutableRowError(Exception):
    """A frozen record was about to be changed or deleted."""


class BriefStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESPONDED = "responded", _("Responded")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    DECLINED = "declined", _("Declined")
    STALLED = "stalled", _("Stalled")


AWAITING_RESPONSE = (BriefStatus.SENT, BriefStatus.ACKNOWLEDGED)
CLOSED_STATUSES = (BriefStatus.RESOLVED, BriefStatus.DECLINED)


class BriefQuerySet(models.QuerySet["Brief"]):
    def in_forum(self, forum: Forum) -> "BriefQuerySet":
        return self.filter(forum=forum)

    def sent(self) -> "BriefQuerySet":
        return self.exclude(status=BriefStatus.DRAFT)

    def you_said_we_did(self) -> "BriefQuerySet":
        """Sent briefs with all that "You said, we did" shows, newest first, in four queries."""
        return (
            self.sent()
            .select_related("theme")
            .prefetch_related(
                models.Prefetch("responses", queryset=Response.objects.select_related("leader")),
                "commitments",
                "difference_tallies",
            )
            .order_by("-sent_at", "-pk")
        )

    def sent_years(self) -> list[int]:
        return sorted({day.year for day in self.sent().dates("sent_at", "year")}, reverse=True)

    def addressed_to(self, user) -> "BriefQuerySet":
        """Sent briefs with ``user`` among the recipients."""
        return self.sent().filter(recipients=user)

    def overdue(self, forum: Forum, today: datetime.date | None = None) -> "BriefQuerySet":
        """Sent briefs still waiting for a response after their response-by date."""
        today = today or timezone.localdate()
        return self.in_forum(forum).filter(status__in=AWAITING_RESPONSE, response_by__lt=today)


class Brief(models.Model):
    """A written case to senior leaders about one theme, from draft to outcome."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="briefs")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="briefs")
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="briefs"
    )
    reference = models.CharField(_("reference"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the problem"))
    impact = models.TextField(_("the impact"), blank=True)
    proposed_solutions = models.TextField(_("proposed solutions"), blank=True)
    ask = models.TextField(_("the ask"))
    response_by = models.DateField(_("response needed by"), default=default_response_by)
    status = models.CharField(
        _("status"), max_length=16, choices=BriefStatus.choices, default=BriefStatus.DRAFT
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="briefs_received", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    rung = models.PositiveSmallIntegerField(
        default=0, help_text=_("How many times the brief has moved up the ladder.")
    )

    objects = BriefQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("brief")
        verbose_name_plural = _("briefs")
        constraints = [
            models.UniqueConstraint(fields=["forum", "reference"], name="brief_reference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("forum_briefs:detail", args=[self.forum.slug, self.pk])

    def get_leader_url(self) -> str:
        return reverse("escalations:brief", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == BriefStatus.DRAFT

    @property
    def is_overdue(self) -> bool:
        return self.status in AWAITING_RESPONSE and self.response_by < timezone.localdate()


class BriefQuote(models.Model):
    """A few words from an issue, quoted without any name."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="quotes")
    issue = models.ForeignKey(Issue, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("quoted words"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class BriefFigure(models.Model):
    """A figure from elsewhere in the forum, such as the workload pulse, cited as evidence."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="figures")
    text = models.CharField(_("figure"), max_length=300)
    source = models.CharField(_("source"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="brief_figure_text_not_empty")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class BriefVersion(models.Model):
    """A brief exactly as sent: HTML, PDF, a JSON snapshot and the PDF's SHA-256. Never changes."""

    brief = models.ForeignKey(Brief, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    html = models.TextField()
    pdf = models.BinaryField()
    snapshot = models.JSONField()
    sha256 = models.CharField(max_length=64, db_index=True)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Why a version after the first was sent, in one line; the first has none.
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["brief", "number"]
        constraints = [
            models.UniqueConstraint(fields=["brief", "number"], name="brief_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.brief_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise ImmutableRowError("A sent version of a brief cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("A sent version of a brief cannot be deleted.")


class BriefEvent(models.Model):
    """One dated step in a brief's life, shown as its timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Drafted")
        SENT = "sent", _("Sent")
        AMENDED = "amended", _("Amended and sent again")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESPONDED = "responded", _("Responded")
        REMINDER = "reminder", _("Reminder sent")
        MOVED_UP = "moved_up", _("Moved up the ladder")
        COMMITMENT = "commitment", _("Commitment made")
        COMMITMENT_UPDATED = "commitment_updated", _("Commitment updated")
        STATUS = "status", _("Status changed")

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    happened_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # Who did it: a leader or a convenor acting on the brief; empty for the forum's own
    # reminders and ladder steps. Never anyone because of an issue they raised.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["happened_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_at:%Y-%m-%d}"

    @property
    def by_leader(self) -> bool:
        return self.actor_role == "leader"


class Response(models.Model):
    """A leader's answer to a brief."""

    class Position(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        ACCEPT_IN_PART = "accept_in_part", _("Accept in part")
        DECLINE = "decline", _("Decline")
        NEED_MORE_TIME = "need_more_time", _("Need more time")

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="responses")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("your position"), max_length=20, choices=Position.choices)
    reasons = models.TextField(_("reasons"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_position_display()} ({self.brief_id})"


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def in_forum(self, forum: Forum) -> "CommitmentQuerySet":
        return self.filter(brief__forum=forum)

    def open(self) -> "CommitmentQuerySet":
        return self.filter(status__in=[Commitment.Status.PLANNED, Commitment.Status.IN_PROGRESS])

    def overdue(self, forum: Forum, today: datetime.date | None = None) -> "CommitmentQuerySet":
        """Open commitments to ``forum`` past their due date."""
        today = today or timezone.localdate()
        return self.in_forum(forum).open().filter(due_on__lt=today)


class Commitment(models.Model):
    """Something a leader undertook to do, by when, and who does it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="commitments")
    what = models.TextField(_("what will be done"))
    owner = models.CharField(_("who does it"), max_length=200)
    due_on = models.DateField(_("due by"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.what[:60]

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS)
            and self.due_on < timezone.localdate()
        )


class ProgressNote(models.Model):
    """A dated note on how a commitment is going."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("progress note"))
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class EscalationSettings(models.Model):
    """How patient a forum is before an overdue brief climbs to the next leader."""

    forum = models.OneToOneField(Forum, on_delete=models.CASCADE, related_name="+")
    reminders_before_moving_up = models.PositiveSmallIntegerField(
        _("overdue reminders before moving up"), default=2
    )

    class Meta:
        verbose_name = _("escalation settings")
        verbose_name_plural = _("escalation settings")

    def __str__(self) -> str:
        return f"Escalation settings for {self.forum}"


class LadderRung(models.Model):
    """One leader on a forum's escalation ladder; lower positions are asked first."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["forum", "position"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "position"], name="ladder_position_once"),
            models.UniqueConstraint(fields=["forum", "leader"], name="ladder_leader_once"),
        ]

    def __str__(self) -> str:
        return f"{self.forum_id} #{self.position}"


class DifferenceAnswer(models.TextChoices):
    YES = "yes", _("Yes, it made a difference")
    A_LITTLE = "a_little", _("A little")
    NO = "no", _("No difference")


class DifferenceReceipt(models.Model):
    """That a member answered "Did this make a difference?" — and nothing about the answer."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brief", "user"], name="one_difference_answer")
        ]

    def __str__(self) -> str:
        return f"Answer receipt for {self.brief_id}"


class DifferenceTally(models.Model):
    """Running count of one answer for one brief. No person, no time."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="difference_tallies")
    answer = models.CharField(max_length=10, choices=DifferenceAnswer.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brief", "answer"], name="one_tally_per_answer"),
            models.CheckConstraint(
                condition=Q(answer__in=DifferenceAnswer.values), name="difference_answer_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brief_id} {self.answer}: {self.count}"
