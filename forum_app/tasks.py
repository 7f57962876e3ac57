"""Background tasks. Thin: take ids, call a service; safe to run twice."""

from celery import shared_task

from forum_app import notifications, retention


@shared_task(ignore_result=True)
def send_notifications(ids: list[int]) -> None:
    """Send a chunk of outbox rows over one mail connection.

    No retry here: a row that failed for a passing reason is put back with a later
    ``due_at`` and the sweeper sends it then, so there is one way of trying again, kept in
    the database.
    """
    notifications.deliver_many(ids)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return notifications.outbox_sweep()


@shared_task(ignore_result=True)
def send_digests(period: str) -> int:
    return notifications.digests_send(period=period)


@shared_task(ignore_result=True)
def apply_retention() -> dict[str, int]:
    return retention.retention_apply()
