"""Background work for exports: thin, safe to run twice."""

from celery import shared_task

from summaries.services import export_run


@shared_task(ignore_result=True)
def make_export(record_id: int) -> None:
    """Make the file of a queued steward export."""
    export_run(record_id=record_id)
