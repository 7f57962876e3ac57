"""Writes of the summaries app: answering the workload pulse, and recording exports."""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import Forum, SealedBox, User
from forum_app.sealed_box import Box, BoxClosed, sealed_open, sealed_put, sealed_waiting
from issues.models import ServiceArea
from summaries.exports import CONTENT_TYPES, export_file
from summaries.models import (
    CASELOAD_MAX,
    EXTRA_HOURS_MAX,
    PERCENT_MAX,
    WELLBEING_MAX,
    WELLBEING_MIN,
    ExportFormat,
    ExportRecord,
    ExportStatus,
    PulseAnswer,
    PulseReceipt,
)

logger = logging.getLogger(__name__)
READ_SHARE = 80  # percent of the progress bar for reading the forums; the rest is writing


@dataclass(frozen=True)
class PulseData:
    caseload: int
    extra_hours: int
    admin_percent: int
    wellbeing: int
    service_area: ServiceArea | None = None


LIMITS = {
    "caseload": (0, CASELOAD_MAX),
    "extra_hours": (0, EXTRA_HOURS_MAX),
    "admin_percent": (0, PERCENT_MAX),
    "wellbeing": (WELLBEING_MIN, WELLBEING_MAX),
}


def pulse_month(forum: Forum, today: datetime.date | None = None) -> datetime.date:
    """The first day of the forum's current month."""
    today = today or timezone.localdate(timezone=forum.tzinfo)
    return today.replace(day=1)


def already_answered(*, forum: Forum, user: User, month: datetime.date) -> bool:
    return PulseReceipt.objects.filter(forum=forum, user=user, month=month).exists()


def pulse_answer(
    *, forum: Forum, actor: User, data: PulseData, today: datetime.date | None = None
) -> None:
    """Record one member's pulse answers for this month, apart from the fact that they answered.

    The receipt (who, which month) is written with the answers sealed in the month's box
    (``forum_app.sealed_box``); they are counted with everyone else's when the month ends.
    The receipt's unique constraint stops a second answer in the same month, even when
    several arrive at once. Raises ``ValidationError`` and stores nothing when the member
    has already answered or a figure is out of range.
    """
    errors = {
        name: _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        for name, (low, high) in LIMITS.items()
        if not low <= getattr(data, name) <= high
    }
    if data.service_area is not None and data.service_area.forum_id != forum.pk:
        errors["service_area"] = _("Choose one of this forum's service areas.")
    if errors:
        raise ValidationError(errors)
    month = pulse_month(forum, today)
    already = ValidationError(_("You have already answered this month. Thank you."))
    answers = {
        "service_area": data.service_area.pk if data.service_area else None,
        "caseload": data.caseload,
        "extra_hours": data.extra_hours,
        "admin_percent": data.admin_percent,
        "wellbeing": data.wellbeing,
    }
    try:
        with transaction.atomic():
            PulseReceipt.objects.create(forum=forum, user=actor, month=month)
            sealed_put(box=pulse_box(forum, month), payload=answers)
    except IntegrityError as error:
        raise already from error
    except BoxClosed:
        raise ValidationError(_("This month's pulse has just closed. Answer next month.")) from None


def pulse_box(forum: Forum, month: datetime.date) -> Box:
    return Box(kind="pulse", scope=f"{forum.pk}:{month:%Y-%m}")


def pulse_count_past_months(*, today: datetime.date | None = None) -> int:
    """Count the sealed answers of every pulse month that has ended; returns how many.

    A month's answers wait sealed until the month is over (``pulse_answer``), then are
    counted all together, so no answer is ever tied to fewer than everyone who answered
    that month. Beat runs this every hour; running it twice counts nothing twice.
    """
    counted = 0
    for box in SealedBox.objects.filter(kind="pulse", closed=False):
        forum_id, month_text = box.scope.split(":")
        forum = Forum.objects.filter(pk=forum_id).first()
        if forum is None:
            box.delete()  # the forum was deleted with its pulse
            continue
        month = datetime.date.fromisoformat(f"{month_text}-01")
        if month >= pulse_month(forum, today):
            continue
        counted += sealed_open(
            box=pulse_box(forum, month),
            count=lambda answers, forum=forum, month=month: PulseAnswer.objects.bulk_create(
                PulseAnswer(forum=forum, month=month, service_area_id=a.pop("service_area"), **a)
                for a in answers
            ),
            close=True,
        )
    return counted


def pulse_waiting(forum: Forum, month: datetime.date) -> int:
    """How many answers for ``month`` wait to be counted when the month ends."""
    return sealed_waiting(pulse_box(forum, month))


def export_record(
    *,
    actor: User,
    forums: list[Forum],
    start: datetime.date,
    end: datetime.date,
    format: ExportFormat,
) -> ExportRecord:
    """Record that ``actor`` asked for these forums' summaries for a period, as a queued job.

    The record is written before the file is built and handed over, so every export that
    reaches a person is on record. ``export_run`` then makes the file.
    """
    with transaction.atomic():
        record = ExportRecord.objects.create(
            user=actor, period_start=start, period_end=end, format=format
        )
        record.forums.set(forums)
    return record


def _set_progress(record_id: int, **fields) -> None:
    ExportRecord.objects.filter(pk=record_id).update(**fields)


def export_run(*, record_id: int) -> None:
    """Make a queued export's file and store it under ``exports/<uuid>.<ext>``.

    Safe to run twice: a job that is already done is left alone. Progress is written as the
    forums are read, so a person waiting can see it move. On any error the job is marked
    failed with a message a person can read; nothing half-made is kept.
    """
    record = ExportRecord.objects.filter(pk=record_id).first()
    if record is None or record.status == ExportStatus.DONE:
        return
    forums = list(record.forums.all())
    _set_progress(record_id, status=ExportStatus.RUNNING, progress=0, error="")

    def forum_done(done: int) -> None:
        _set_progress(record_id, progress=READ_SHARE * done // max(len(forums), 1))

    try:
        made = export_file(
            forums, record.period_start, record.period_end, record.format, forum_done
        )
        extension = CONTENT_TYPES[ExportFormat(record.format)][0]
        stored = default_storage.save(
            f"exports/{uuid.uuid4()}.{extension}", ContentFile(made.content)
        )
    except Exception:
        logger.exception("Export %s failed", record_id)
        _set_progress(
            record_id,
            status=ExportStatus.FAILED,
            error=_("The export could not be made. Please try again."),
        )
        return
    _set_progress(record_id, status=ExportStatus.DONE, progress=100, file_name=stored)
