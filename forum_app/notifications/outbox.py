"""The outbox: queue a message with the change that causes it, then send it exactly once.

``notify`` writes a row inside the caller's transaction and hands it to a worker after
commit. Whoever sends a row (the task, the sweeper, or both at once) first claims it with a
conditional UPDATE, so only one of them sends it. A row left in "sending" by a worker that
died is claimed again once its lease runs out. Transient failures (the mail server busy or
unreachable) are retried with backoff and jitter up to a cap; anything else fails at once
and is listed, with its reason, for convenors and site admins to retry.
"""

import logging
import random
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import Delivery, Forum, Notification, NotificationPreference, User
from forum_app.notifications.emails import render_email
from forum_app.notifications.kinds import kind_for

logger = logging.getLogger(__name__)

# Longer than a task may run (CELERY_TASK_TIME_LIMIT), so a live sender never loses its claim.
LEASE = timedelta(minutes=10)
# Retry delays double from the base up to this; far below the broker's visibility timeout.
MAX_RETRY_DELAY = timedelta(minutes=15)
# One sweep stops claiming after this long, well inside the sweep task's time limit.
SWEEP_BUDGET_SECONDS = 60


def delivery_for(user: User | None, kind: str) -> str:
    """How ``user`` wants emails of ``kind``: straight away, in a digest, or not at all."""
    spec = kind_for(kind)
    if user is None or not spec.can_turn_off:
        return Delivery.IMMEDIATE
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or spec.default


def notify(
    *,
    kind: str,
    email: str,
    dedupe_key: str,
    context: dict[str, Any],
    recipient: User | None = None,
    forum: Forum | None = None,
    due_at: datetime | None = None,
) -> Notification | None:
    """Queue one email of ``kind`` to ``email``; nothing happens if ``dedupe_key`` was used.

    Call it inside the transaction that makes the change. ``context`` must be
    JSON-serialisable; templates are ``emails/<kind>.subject.txt``, ``.txt`` and ``.html``,
    and ``context["link"]`` (a full URL) is used for the page the email points to. ``due_at``
    (default now) holds a reminder back until then; the sweeper sends it when it falls due.
    The recipient's preference decides whether it goes straight away, waits for their
    digest, or is not sent. Returns the new row, or None for a duplicate or a kind they
    turned off.
    """
    delivery = delivery_for(recipient, kind)
    if delivery == Delivery.OFF:
        return None
    digest = delivery if delivery in {Delivery.DAILY, Delivery.WEEKLY} else ""
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                kind=kind,
                email=email,
                dedupe_key=dedupe_key[:200],
                context=context,
                recipient=recipient,
                forum=forum,
                status=Notification.Status.DIGEST if digest else Notification.Status.PENDING,
                digest=digest,
                due_at=due_at or timezone.now(),
            )
    except IntegrityError:
        return None
    if not digest and row.due_at <= timezone.now():
        transaction.on_commit(lambda: dispatch(row.pk))
    return row


def dispatch(pk: int) -> None:
    """Hand a row to a worker. If the broker is down the row waits for the sweeper."""
    from forum_app.tasks import send_notification

    try:
        send_notification.delay(pk)
    except Exception:
        logger.warning("Could not hand notification %s to a worker; the sweeper will send it.", pk)


@dataclass(frozen=True)
class Outcome:
    sent: bool = False
    retry_in: float | None = None


SKIPPED = Outcome()


def _claim(pk: int, now: datetime) -> bool:
    """Take a due row for sending. Exactly one caller gets True for a row per lease."""
    return bool(
        Notification.objects.due(now, LEASE)
        .filter(pk=pk)
        .update(
            status=Notification.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )


def deliver(pk: int, *, now: datetime | None = None) -> Outcome:
    """Send one notification if it is due and nobody else holds it. Safe to call twice."""
    now = now or timezone.now()
    with transaction.atomic():
        _claim_without_waiting_for_disk()
        if not _claim(pk, now):
            return SKIPPED
        row = Notification.objects.get(pk=pk)
    return _send(row)


def _claim_without_waiting_for_disk() -> None:
    """Let this transaction's commit return before PostgreSQL flushes it to disk.

    Safe for a claim: the "sent" mark that follows is a normal commit, which flushes the
    claim with it; if the server crashed before either reached disk, the row is simply
    pending again, as if never claimed. It saves one disk flush per email.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _is_transient(error: BaseException) -> bool:
    """Worth trying again later: the server was busy, unreachable or slow (4xx, not 5xx)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPConnectError):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(
        error,
        smtplib.SMTPServerDisconnected
        | socket.timeout
        | ConnectionError
        | OSError
        | SoftTimeLimitExceeded,
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address}: {code} {message.decode(errors='replace')}"
            for address, (code, message) in error.recipients.items()
        ]
        return _("The mail server refused the address (%(detail)s).") % {"detail": "; ".join(parts)}
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return _("The mail server answered %(code)s: %(text)s") % {
            "code": error.smtp_code,
            "text": text,
        }
    return f"{type(error).__name__}: {error}"[:1000]


def retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from the base, with jitter, capped."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    capped = min(base, MAX_RETRY_DELAY.total_seconds())
    return capped / 2 + random.uniform(0, capped / 2)


def _send(row: Notification) -> Outcome:
    mine = Notification.objects.filter(
        pk=row.pk, status=Notification.Status.SENDING, claimed_at=row.claimed_at
    )
    try:
        message = render_email(row)
        message.send()
    except Exception as error:  # Every failure is recorded on the row; none may stop a sweep.
        transient = _is_transient(error)
        reason = _reason(error)
        logger.warning("Notification %s not sent: %s", row.pk, type(error).__name__)
        if transient and row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            delay = retry_delay(row.attempts)
            mine.update(
                status=Notification.Status.PENDING,
                due_at=timezone.now() + timedelta(seconds=delay),
                last_error=reason,
            )
            return Outcome(retry_in=delay)
        if transient:
            reason = _("Gave up after %(n)s attempts. %(reason)s") % {
                "n": row.attempts,
                "reason": reason,
            }
        mine.update(status=Notification.Status.FAILED, last_error=reason)
        return SKIPPED
    mine.update(status=Notification.Status.SENT, sent_at=timezone.now(), last_error="")
    return Outcome(sent=True)


def _claim_next(now: datetime) -> Notification | None:
    """Claim the next due row nobody else is working on.

    On PostgreSQL rows another sweeper has locked are skipped rather than waited for; the
    conditional UPDATE in ``_claim`` is what makes the claim exclusive on every database.
    """
    candidates = Notification.objects.due(now, LEASE).order_by("due_at", "pk")
    for _attempt in range(10):
        if connection.features.has_select_for_update_skip_locked:
            with transaction.atomic():
                _claim_without_waiting_for_disk()
                pk = candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)
                pk = pk.first()
                claimed = pk is not None and _claim(pk, now)
        else:
            # SQLite writes one at a time; a read transaction upgraded to a write could fail.
            pk = candidates.values_list("pk", flat=True).first()
            claimed = pk is not None and _claim(pk, now)
        if pk is None:
            return None
        if claimed:
            return Notification.objects.get(pk=pk)
    return None


def outbox_sweep(now: datetime | None = None, *, limit: int = 1000) -> int:
    """Send every due notification (up to ``limit``); returns how many were sent.

    Called every minute by Celery beat and by the embedded scheduler. Picks up rows whose
    hand-off to a worker failed (broker down), rows due for a retry, reminders that have
    fallen due, and rows stuck in "sending" past the lease. A failing row is recorded and
    the sweep moves on.
    """
    now = now or timezone.now()
    deadline = time.monotonic() + SWEEP_BUDGET_SECONDS
    sent = 0
    for _n in range(limit):
        if time.monotonic() > deadline:
            break
        row = _claim_next(now)
        if row is None:
            break
        sent += _send(row).sent
    return sent


@transaction.atomic
def notification_retry(*, notification: Notification, actor: User) -> Notification:
    """Put a failed notification back in the queue with a fresh set of attempts."""
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(status=Notification.Status.PENDING, attempts=0, due_at=timezone.now())
    if not updated:
        raise ValidationError(_("This email is no longer marked as failed."))
    logger.info("Notification %s queued again by user %s.", notification.pk, actor.pk)
    transaction.on_commit(lambda: dispatch(notification.pk))
    notification.refresh_from_db()
    return notification
