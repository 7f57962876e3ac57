"""Background work for issues: thin, safe to run twice."""

from celery import shared_task

from issues.services import anonymous_publish_due


@shared_task(ignore_result=True)
def publish_anonymous() -> None:
    """Publish the anonymous issues and updates whose random moment has come."""
    anonymous_publish_due()
