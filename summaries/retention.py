"""How long the summaries app keeps steward exports: their records and their files."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from summaries.models import ExportRecord


def exports_expire(now: datetime) -> int:
    """Delete exports made more than RETENTION_EXPORT_DAYS ago, records and stored files.

    Files go once the records' deletion commits, so a rolled-back run leaves both.
    """
    cutoff = now - timedelta(days=settings.RETENTION_EXPORT_DAYS)
    old = ExportRecord.objects.filter(created_at__lt=cutoff)
    files = [name for name in old.values_list("file_name", flat=True) if name]
    _, per_model = old.delete()

    def delete_files() -> None:
        for name in files:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    return per_model.get(ExportRecord._meta.label, 0)
