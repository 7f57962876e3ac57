"""Background work for follow-ups: thin, safe to run twice."""

from celery import shared_task

from escalations.services.followups import followups_sweep


@shared_task(ignore_result=True)
def sweep_followups() -> None:
    """Send the day's overdue reminders, ladder steps and commitment nudges (each once)."""
    followups_sweep()
