"""Background tasks. Thin: take ids, call a service; safe to run twice."""

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings

from forum_app import notifications


@shared_task(bind=True, ignore_result=True)
def send_notification(self, pk: int) -> None:
    """Send one outbox row; a transient failure is tried again after a backoff.

    The row itself records attempts and when it is next due, so if this retry never runs
    (the broker lost it, or the cap was reached) the sweeper still picks the row up.
    """
    outcome = notifications.deliver(pk)
    if outcome.retry_in is None or self.request.is_eager:
        return
    try:
        raise self.retry(countdown=outcome.retry_in, max_retries=settings.NOTIFICATION_MAX_ATTEMPTS)
    except MaxRetriesExceededError:
        return


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return notifications.outbox_sweep()


@shared_task(ignore_result=True)
def send_digests(period: str) -> int:
    return notifications.digests_send(period=period)
