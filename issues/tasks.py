"""Background work for issues: thin, safe to run twice."""

from celery import shared_task
from django.db import connection

from issues.services import anonymous_publish_due


@shared_task(ignore_result=True)
def publish_anonymous() -> None:
    """Publish the anonymous issues and updates whose random moment has come."""
    anonymous_publish_due()


# Tables that can hold an issue's words: the issue (with its search index), its history and
# timeline, and the outbox's copies of emails about it.
REDACTED_TABLES = (
    "issues_issue",
    "issues_issuerevision",
    "issues_issueevent",
    "forum_app_notification",
)


@shared_task(ignore_result=True)
def rewrite_after_redaction() -> None:
    """Rewrite the tables that held redacted words, so no old row version keeps them on disk.

    PostgreSQL keeps a row's earlier versions until vacuum, and plain vacuum only marks their
    space free. ``VACUUM FULL`` writes each table anew. It locks the table while it runs
    (about a second for 10,000 issues), which is why it runs after the redaction, in the
    background. Other databases keep no old row versions this way.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM FULL {', '.join(REDACTED_TABLES)}")
