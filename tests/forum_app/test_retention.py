"""Old sent emails and export records are deleted daily; anything still to send is kept."""

import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from forum_app.celery import app as celery_app
from forum_app.models import Notification
from forum_app.retention import retention_apply
from forum_app.tasks import apply_retention
from summaries.models import ExportRecord

NOW = timezone.now()


def outbox_row(key: str, status: str, days_old: int) -> Notification:
    row = Notification.objects.create(
        email="a@council.example",
        kind="meeting_invite",
        dedupe_key=key,
        status=status,
        sent_at=NOW if status == "sent" else None,
    )
    Notification.objects.filter(pk=row.pk).update(
        created_at=NOW - datetime.timedelta(days=days_old)
    )
    return row


def export_record(user, forum, days_old: int) -> ExportRecord:
    record = ExportRecord.objects.create(
        user=user,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        format="csv",
    )
    record.forums.add(forum)
    ExportRecord.objects.filter(pk=record.pk).update(
        created_at=NOW - datetime.timedelta(days=days_old)
    )
    return record


def test_old_sent_and_failed_emails_go_recent_and_waiting_ones_stay(db):
    old_sent = outbox_row("a", "sent", 181)
    old_failed = outbox_row("b", "failed", 200)
    old_pending = outbox_row("c", "pending", 400)
    recent_sent = outbox_row("d", "sent", 179)

    deleted = retention_apply(now=NOW)

    assert deleted["notifications"] == 2
    left = set(Notification.objects.values_list("pk", flat=True))
    assert left == {old_pending.pk, recent_sent.pk}
    assert old_sent.pk not in left and old_failed.pk not in left


def test_export_records_older_than_thirty_days_go(forum, steward):
    old = export_record(steward, forum, 31)
    recent = export_record(steward, forum, 29)

    assert retention_apply(now=NOW)["exports"] == 1
    assert list(ExportRecord.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ExportRecord.objects.filter(pk=old.pk).exists()


def test_old_export_files_are_deleted_with_their_records(
    forum, steward, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        }
    }
    old, recent = export_record(steward, forum, 31), export_record(steward, forum, 1)
    for record in (old, recent):
        stored = default_storage.save(f"exports/{record.pk}.zip", ContentFile(b"zip"))
        ExportRecord.objects.filter(pk=record.pk).update(file_name=stored)

    with django_capture_on_commit_callbacks(execute=True):
        retention_apply(now=NOW)

    assert not default_storage.exists(f"exports/{old.pk}.zip")
    assert default_storage.exists(f"exports/{recent.pk}.zip")


def test_retention_days_come_from_settings(db, settings):
    settings.RETENTION_NOTIFICATION_DAYS = 10
    outbox_row("a", "sent", 11)

    assert retention_apply(now=NOW)["notifications"] == 1


def test_beat_runs_retention_daily_through_the_task(db):
    entry = next(
        e
        for e in celery_app.conf.beat_schedule.values()
        if e["task"] == "forum_app.tasks.apply_retention"
    )
    assert entry["schedule"].hour == {3}
    outbox_row("a", "sent", 365)

    assert apply_retention.delay().get()["notifications"] == 1
