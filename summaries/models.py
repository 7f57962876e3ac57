"""The workload pulse, the record of steward exports, and the dashboard's figures stamp.

A pulse answer is stored like a ballot: ``PulseReceipt`` says who answered in a month (and
nothing else), ``PulseAnswer`` holds the answers with no person and no time beyond the month.
One receipt per person per forum per month is a database constraint.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum
from issues.models import ServiceArea

CASELOAD_MAX = 200
EXTRA_HOURS_MAX = 80
PERCENT_MAX = 100
WELLBEING_MIN, WELLBEING_MAX = 1, 5


class PulseReceipt(models.Model):
    """That a person answered the pulse in a month. Holds nothing about the answers."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("The first day of the month answered."))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "user", "month"], name="one_pulse_per_person_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="pulse_receipt_month_start"),
        ]

    def __str__(self) -> str:
        return f"Pulse receipt {self.forum_id} {self.month:%Y-%m}"


class PulseAnswerQuerySet(models.QuerySet["PulseAnswer"]):
    def in_forum(self, forum: Forum) -> "PulseAnswerQuerySet":
        return self.filter(forum=forum)


class PulseAnswer(models.Model):
    """One anonymous set of answers. No person, no time of day, no date beyond the month."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    service_area = models.ForeignKey(
        ServiceArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    caseload = models.PositiveSmallIntegerField()
    extra_hours = models.PositiveSmallIntegerField()
    admin_percent = models.PositiveSmallIntegerField()
    wellbeing = models.PositiveSmallIntegerField()

    objects = PulseAnswerQuerySet.as_manager()

    class Meta:
        # Rows are read in aggregate only; no order that could follow the order of answering.
        indexes = [models.Index(fields=["forum", "month"], name="pulse_by_month")]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="pulse_answer_month_start"),
            models.CheckConstraint(
                condition=Q(caseload__gte=0, caseload__lte=CASELOAD_MAX), name="pulse_caseload"
            ),
            models.CheckConstraint(
                condition=Q(extra_hours__gte=0, extra_hours__lte=EXTRA_HOURS_MAX),
                name="pulse_extra_hours",
            ),
            models.CheckConstraint(
                condition=Q(admin_percent__gte=0, admin_percent__lte=PERCENT_MAX),
                name="pulse_admin_percent",
            ),
            models.CheckConstraint(
                condition=Q(wellbeing__gte=WELLBEING_MIN, wellbeing__lte=WELLBEING_MAX),
                name="pulse_wellbeing",
            ),
        ]

    def __str__(self) -> str:
        return f"Pulse answer {self.forum_id} {self.month:%Y-%m}"


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV files in a zip")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    PDF = "pdf", _("PDF summary report")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportRecord(models.Model):
    """Who exported which forums' summaries, for which period, in which format.

    The record is also the export's job: its status and progress while the file is made in
    the background, and the stored file's name once it is ready.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    forums = models.ManyToManyField(Forum, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="export_progress_percent"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(file_name=""), name="export_done_has_file"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="export_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Export by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


def new_token() -> str:
    return secrets.token_hex(8)


class FiguresStamp(models.Model):
    """A token that changes with every change to a forum's issues, categories or service areas.

    The dashboard keeps its issue figures in the cache under this token
    (``summaries.dashboard.issue_figures``). The token changes in the same transaction as the
    change, so figures can never be filed under a token that is already out of date.
    """

    forum = models.OneToOneField(
        Forum, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.CharField(max_length=16, default=new_token)

    def __str__(self) -> str:
        return f"Figures stamp of forum {self.forum_id}"
