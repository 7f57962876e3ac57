"""Notifications: write an outbox row with the change, send it after commit.

Every message goes through ``notify``. The row is written inside the caller's transaction;
sending happens only after that transaction commits (``deliver`` claims the row first, so
a message is sent once even if delivery is attempted twice).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from forum_app.models import Forum, Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    kind: str,
    email: str,
    dedupe_key: str,
    context: dict[str, Any],
    recipient=None,
    forum: Forum | None = None,
) -> Notification | None:
    """Queue one email of ``kind`` to ``email``; nothing happens if ``dedupe_key`` was used.

    ``context`` must be JSON-serialisable; templates are ``emails/<kind>.subject.txt``,
    ``emails/<kind>.txt`` and ``emails/<kind>.html``. Returns the new row, or None for a
    duplicate.
    """
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                kind=kind,
                email=email,
                dedupe_key=dedupe_key[:200],
                context=context,
                recipient=recipient,
                forum=forum,
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _dispatch(row.pk))
    return row


def _dispatch(pk: int) -> None:
    from forum_app.tasks import send_notification

    try:
        send_notification.delay(pk)
    except Exception:  # The broker is down: the sweeper sends it later.
        logger.warning("Could not hand notification %s to the worker; the sweeper will.", pk)


def render_email(row: Notification) -> EmailMultiAlternatives:
    context = {**row.context, "site_url": settings.SITE_URL, "kind": row.kind}
    subject = render_to_string(f"emails/{row.kind}.subject.txt", context).strip()
    text = render_to_string(f"emails/{row.kind}.txt", context)
    html = render_to_string(f"emails/{row.kind}.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[row.email])
    message.attach_alternative(html, "text/html")
    return message


def deliver(pk: int) -> bool:
    """Send one notification if nobody has claimed it yet. True when this call sent it."""
    claimed = Notification.objects.filter(
        pk=pk, status=Notification.Status.PENDING, due_at__lte=timezone.now()
    ).update(status=Notification.Status.SENDING, claimed_at=timezone.now())
    if not claimed:
        return False
    row = Notification.objects.get(pk=pk)
    try:
        render_email(row).send()
    except Exception as exc:
        Notification.objects.filter(pk=pk).update(
            status=Notification.Status.FAILED,
            attempts=row.attempts + 1,
            last_error=str(exc)[:1000],
        )
        logger.warning("Notification %s failed: %s", pk, type(exc).__name__)
        return False
    Notification.objects.filter(pk=pk).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), attempts=row.attempts + 1
    )
    return True
