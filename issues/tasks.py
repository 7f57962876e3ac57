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


@shared_task(bind=True, ignore_result=True, max_retries=30)
def rewrite_after_redaction(self) -> None:
    """Rewrite the tables that held redacted words, so no old row version keeps them on disk.

    PostgreSQL keeps a row's earlier versions until vacuum, and plain vacuum only marks their
    space free. ``VACUUM FULL`` writes each table anew. It locks the table while it runs
    (about a second for 10,000 issues), which is why it runs after the redaction, in the
    background. It must also keep any old version that a transaction still running could
    read (a backup in progress, say), so while one that began before the rewrite is open,
    it is tried again a minute later (for up to half an hour). Other databases keep no old
    row versions this way.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        (started,) = cursor.fetchone()
        cursor.execute(f"VACUUM FULL {', '.join(REDACTED_TABLES)}")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND backend_xmin IS NOT NULL AND backend_xmin::text::bigint < %s",
            [started & 0xFFFFFFFF],
        )
        (older,) = cursor.fetchone()
    if older and not self.request.is_eager:
        raise self.retry(countdown=60)
