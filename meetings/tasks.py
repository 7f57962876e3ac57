"""Background work for meetings: thin, safe to run twice."""

from celery import shared_task

from meetings.services.schedule import meeting_notice_send, meeting_notices_sweep
from meetings.services.voting import voting_sweep


@shared_task(ignore_result=True)
def send_meeting_notice(notice_id: int) -> int:
    """Write one meeting change's invitations and reminders for every member."""
    return meeting_notice_send(notice_id=notice_id)


@shared_task(ignore_result=True)
def sweep_meeting_notices() -> int:
    """Send the meeting notices no worker got (the broker was down)."""
    return meeting_notices_sweep()


@shared_task(ignore_result=True)
def sweep_voting() -> dict[str, int]:
    """Count the ballots of voting windows that have closed; remind those who have not voted."""
    return voting_sweep()
