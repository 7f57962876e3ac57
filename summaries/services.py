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

from forum_app.models import Forum, User
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

    The receipt (who, which month) and the answers (no person, no time) are written in one
    transaction; the receipt's unique constraint stops a second answer in the same month,
    even when several arrive at once. Raises ``ValidationError`` and stores nothing when the
    member has already answered or a figure is out of range.
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
    try:
        with transaction.atomic():
            PulseReceipt.objects.create(forum=forum, user=actor, month=month)
            PulseAnswer.objects.create(
                forum=forum,
                month=month,
                service_area=data.service_area,
                caseload=data.caseload,
                extra_hours=data.extra_hours,
                admin_percent=data.admin_percent,
                wellbeing=data.wellbeing,
            )
    except IntegrityError as error:
        raise already from error


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
