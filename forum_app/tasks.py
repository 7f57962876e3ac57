"""Background tasks. Thin: take ids, call a service; safe to run twice."""

from celery import shared_task

from forum_app import notifications


@shared_task(ignore_result=True)
def send_notification(pk: int) -> None:
    notifications.deliver(pk)
