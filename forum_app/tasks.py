"""Background tasks. Thin: take ids, call a service; safe to run twice."""

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings

from forum_app import notifications, retention


@shared_task(bind=True, ignore_result=True)
def send_notifications(self, ids: list[int]) -> None:
    """Send a chunk of outbox rows over one mail connection; transient failures are retried.

    The rows that failed for a passing reason are tried again together once the longest of
    their backoffs has passed. The rows themselves record attempts and when they are next
    due, so if this retry never runs (the broker lost it, or the cap was reached) the
    sweeper still picks them up.
    """
    outcome = notifications.deliver_many(ids)
    if outcome.retry_in is None or self.request.is_eager:
        return
    try:
        raise self.retry(
            args=(list(outcome.retry_ids),),
            countdown=outcome.retry_in,
            max_retries=settings.NOTIFICATION_MAX_ATTEMPTS,
        )
    except MaxRetriesExceededError:
        return


@shared_task(bind=True, ignore_result=True)
def send_notification(self, pk: int) -> None:
    """Send one outbox row; a transient failure is tried again after a backoff.

    Kept for single rows and for messages queued before chunks; ``send_notifications`` is
    what ``notify`` uses.
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


@shared_task(ignore_result=True)
def apply_retention() -> dict[str, int]:
    return retention.retention_apply()
