"""Deleting what the forum no longer needs to keep, once a day.

Each app owns the rules for its own data and registers them here (``retention_register``
in its ``AppConfig.ready``), so this module never imports a feature app. Celery beat runs
``retention_apply`` daily through ``forum_app.tasks.apply_retention``.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from forum_app.models import FormSubmission, Notification

RetentionRule = Callable[[datetime], int]

_rules: dict[str, RetentionRule] = {}


def retention_register(name: str, rule: RetentionRule) -> None:
    """Add a rule that deletes rows older than its app keeps them; it returns how many."""
    _rules[name] = rule


def notifications_expire(now: datetime) -> int:
    """Delete sent and failed outbox emails older than RETENTION_NOTIFICATION_DAYS.

    Rows still waiting (pending, sending, held for a digest) are kept whatever their age:
    deleting them would lose a message nobody has had yet.
    """
    cutoff = now - timedelta(days=settings.RETENTION_NOTIFICATION_DAYS)
    done = [Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.DIGESTED]
    deleted, _ = Notification.objects.filter(status__in=done, created_at__lt=cutoff).delete()
    return deleted


retention_register("notifications", notifications_expire)


def sessions_expire(now: datetime) -> int:
    """Delete sessions past their expiry (12 hours after sign-in).

    Django never deletes them on its own, so every backup would otherwise keep who signed in
    when, for ever.
    """
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


retention_register("sessions", sessions_expire)


def form_submissions_expire(now: datetime) -> int:
    """Forget forms sent more than RETENTION_FORM_SUBMISSION_DAYS ago (``forum_app.once``).

    Past that, sending the same page again is no longer a Back or a refresh; the form's
    page has long been replaced.
    """
    cutoff = timezone.localdate(now) - timedelta(days=settings.RETENTION_FORM_SUBMISSION_DAYS)
    deleted, _ = FormSubmission.objects.filter(sent_on__lt=cutoff).delete()
    return deleted


retention_register("form_submissions", form_submissions_expire)


def retention_apply(*, now: datetime | None = None) -> dict[str, int]:
    """Run every registered retention rule; returns rows deleted per rule.

    Each rule runs in its own transaction, so one failing rule leaves the others' work done.
    """
    now = now or timezone.now()
    deleted: dict[str, int] = {}
    for name, rule in sorted(_rules.items()):
        with transaction.atomic():
            deleted[name] = rule(now)
    return deleted
