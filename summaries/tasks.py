"""Background work for exports: thin, safe to run twice."""

from celery import shared_task

from summaries.services import export_run, pulse_count_past_months


@shared_task(ignore_result=True)
def make_export(record_id: int) -> None:
    """Make the file of a queued steward export."""
    export_run(record_id=record_id)


@shared_task(ignore_result=True)
def count_pulse() -> int:
    """Count the sealed answers of pulse months that have ended."""
    return pulse_count_past_months()
