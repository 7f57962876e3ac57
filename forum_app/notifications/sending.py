"""Sending: each queued email goes exactly once.

Whoever sends a row (a task, the sweeper, or several at once) first claims it with a
conditional UPDATE, so only one of them sends it. A chunk is sent over one connection to the
mail server, and each row is marked sent as soon as the server accepts it (reconnecting to
the database to do so if the connection dropped meanwhile). When a task stops early, the
rows of its chunk it had not tried yet go straight back to the queue; a row left in
"sending" by a worker that died is claimed again once its lease, a little longer than a task
may run, has passed.

There is one way to try again: a row that failed for a passing reason (the mail server busy
or unreachable) is put back with a later ``due_at``, doubling up to ``MAX_RETRY_DELAY``, and
the sweeper sends it when that time comes. Passing failures are retried for
``NOTIFICATION_RETRY_HOURS`` after the first attempt, so a mail server's maintenance window
costs delay, not emails. Anything else fails at once and is listed, with its reason, for
convenors and site admins to send again.
"""

import logging
import random
import smtplib
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import Notification, NotificationQuerySet
from forum_app.notifications.emails import render_email

logger = logging.getLogger(__name__)

# A little longer than a task may run (CELERY_TASK_TIME_LIMIT, when Celery kills it), so a live
# sender never loses its claim and a dead one's rows are sent again within minutes.
LEASE = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
# Retry delays double from the base up to this.
MAX_RETRY_DELAY = timedelta(minutes=15)
# Marking a row sent is tried this many times, reconnecting between tries, about 7 s in all:
# until the mark is written, the row could be sent a second time.
MARK_ATTEMPTS = 5
# One sweep stops claiming after this long, well inside the sweep task's time limit.
SWEEP_BUDGET_SECONDS = 60
# Rows per task and per sweeper claim: one claim, one mail connection, well inside a task's
# time limit even when the mail server is slow.
CHUNK = 50


@dataclass(frozen=True)
class ChunkOutcome:
    """What happened to a chunk: how many were sent, and which rows wait to be tried again."""

    sent: int = 0
    retry_ids: tuple[int, ...] = ()


def deliver_many(ids: Iterable[int], *, now: datetime | None = None) -> ChunkOutcome:
    """Send each of these notifications that is due and that nobody else holds. Safe to repeat.

    One claim for the chunk, one connection to the mail server, then one UPDATE per row
    recording what happened to it.
    """
    now = now or timezone.now()
    rows = _claim_many(Notification.objects.filter(pk__in=list(ids)), now, limit=None)
    return _send_all(rows, now)


def _claim_many(
    candidates: NotificationQuerySet, now: datetime, *, limit: int | None
) -> list[Notification]:
    """Claim the due rows among ``candidates`` (the first ``limit`` by due time), all at once.

    Whoever gets a row holds it for the lease; nobody else can claim it meanwhile. On
    PostgreSQL the due rows are locked, skipping any another sender holds, and marked in the
    same transaction. SQLite writes one transaction at a time (and a read transaction
    upgraded to a write could fail), so there the conditional UPDATE comes first and the rows
    it marked are read back inside the same transaction.
    """
    due = candidates.due(now, LEASE)
    claim = {
        "status": Notification.Status.SENDING,
        "claimed_at": now,
        "attempts": F("attempts") + 1,
        "first_tried_at": Coalesce(F("first_tried_at"), Value(now)),
    }
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            _claim_without_waiting_for_disk()
            locked = (
                due.order_by("due_at", "pk")
                .select_related("recipient")
                .select_for_update(skip_locked=True, of=("self",))
            )
            rows = list(locked[:limit] if limit else locked)
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(**claim)
        for row in rows:
            row.status, row.claimed_at, row.attempts = claim["status"], now, row.attempts + 1
            row.first_tried_at = row.first_tried_at or now
        return rows
    if limit:
        first = due.order_by("due_at", "pk").values_list("pk", flat=True)[:limit]
        candidates = candidates.filter(pk__in=list(first))
        due = candidates.due(now, LEASE)
    with transaction.atomic():
        if not due.update(**claim):
            return []
        mine = candidates.filter(status=Notification.Status.SENDING, claimed_at=now)
        return list(mine.select_related("recipient").order_by("due_at", "pk"))


def _claim_without_waiting_for_disk() -> None:
    """Let this transaction's commit return before PostgreSQL flushes it to disk.

    Safe for a claim: the "sent" mark that follows is a normal commit, which flushes the
    claim with it; if the server crashed before either reached disk, the row is simply
    pending again, as if never claimed. It saves one disk flush per claim.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class _Mailer:
    """One connection to the mail server, kept open for a chunk and opened again after a failure.

    ``unreachable`` is set when the connection cannot be opened at all; the rest of the chunk
    is then put back for later instead of each waiting for the same timeout.
    """

    def __init__(self) -> None:
        self.backend = mailers.default
        self.connected = False
        self.unreachable = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, message: EmailMultiAlternatives) -> None:
        if not self.connected:
            try:
                self.backend.open()
            except Exception:
                self.unreachable = True
                raise
            self.connected = True
        try:
            self.backend.send_messages([message])
        except Exception:
            # After a refusal or a dropped line the session may be unusable: start afresh.
            self.close()
            raise

    def close(self) -> None:
        if not self.connected:
            return
        self.connected = False
        try:
            self.backend.close()
        except Exception as error:  # The messages are already accepted or recorded.
            logger.info("Closing the mail connection failed: %s", type(error).__name__)


class SwitchedOff(Exception):
    """The recipient's account was switched off after the email was queued."""


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
    if isinstance(error, SwitchedOff):
        return _("Not sent: this person's account is switched off.")
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


def _attempt(row: Notification, mailer: _Mailer) -> Exception | None:
    """Render and send ``row``; the error if that failed."""
    if row.recipient is not None and not row.recipient.is_active:
        return SwitchedOff()
    try:
        mailer.send(render_email(row))
    except Exception as error:  # Every failure is recorded on the row; none may stop a sweep.
        return error
    return None


def _mine(row: Notification) -> NotificationQuerySet:
    """``row``, only while this sender's claim on it still holds."""
    return Notification.objects.filter(
        pk=row.pk, status=Notification.Status.SENDING, claimed_at=row.claimed_at
    )


def _mark_sent(row: Notification) -> bool:
    """Record that the mail server accepted ``row``; True once it is written.

    Until this UPDATE is written the row can be claimed again after its lease and sent a
    second time, so a dropped database connection does not end it: the connection is closed
    and the mark tried again on a new one, a few times over some seconds. (Inside a
    transaction there is no reconnecting; senders call this outside one.)
    """
    for attempt in range(MARK_ATTEMPTS):
        try:
            _mine(row).update(
                status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
            )
            return True
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or attempt == MARK_ATTEMPTS - 1:
                break
            logger.warning("Notification %s sent; the database dropped, marking it again.", row.pk)
            connection.close()
            time.sleep(0.5 * 2**attempt)
    logger.error("Notification %s was sent but could not be marked sent.", row.pk)
    return False


def _gave_up(row: Notification, now: datetime) -> bool:
    first = row.first_tried_at or now
    return now - first >= timedelta(hours=settings.NOTIFICATION_RETRY_HOURS)


def _record(row: Notification, error: BaseException | None, now: datetime) -> bool:
    """Mark the row sent; or put it back with a later ``due_at``, or mark it failed, with why.

    One UPDATE, and only while this sender's claim holds. True if the row was sent.
    """
    if error is None:
        _mark_sent(row)
        return True
    reason = _reason(error)
    logger.warning("Notification %s not sent: %s", row.pk, type(error).__name__)
    if _is_transient(error) and not _gave_up(row, now):
        later = max(now, timezone.now()) + timedelta(seconds=retry_delay(row.attempts))
        _mine(row).update(status=Notification.Status.PENDING, due_at=later, last_error=reason)
        return False
    if _is_transient(error):
        reason = _("Gave up after %(n)s attempts over %(hours)s hours. %(reason)s") % {
            "n": row.attempts,
            "hours": settings.NOTIFICATION_RETRY_HOURS,
            "reason": reason,
        }
    _mine(row).update(status=Notification.Status.FAILED, last_error=reason)
    return False


class _ChunkSender:
    """Sends claimed rows one by one over one mail connection and records each at once.

    If the mail server cannot be reached, or the task runs out of time, the rows after that
    are put back for a retry without being tried.
    """

    def __init__(self, mailer: _Mailer, now: datetime) -> None:
        self.mailer = mailer
        self.now = now
        self.stopped: Exception | None = None
        self.sent = 0
        self.retries: list[int] = []

    def send(self, row: Notification) -> None:
        error = self.stopped or _attempt(row, self.mailer)
        if self.mailer.unreachable or isinstance(error, SoftTimeLimitExceeded):
            self.stopped = error
        if _record(row, error, self.now):
            self.sent += 1
        elif error is not None and _is_transient(error) and not _gave_up(row, self.now):
            self.retries.append(row.pk)

    def outcome(self) -> ChunkOutcome:
        return ChunkOutcome(sent=self.sent, retry_ids=tuple(self.retries))


def _hand_back(rows: list[Notification]) -> None:
    """Put claimed rows that were never tried back in the queue, due now, as if never claimed."""
    never_tried = Case(When(attempts=1, then=Value(None)), default=F("first_tried_at"))
    for row in rows:
        _mine(row).update(
            status=Notification.Status.PENDING,
            attempts=F("attempts") - 1,
            first_tried_at=never_tried,
            due_at=timezone.now(),
        )


def _send_all(rows: list[Notification], now: datetime) -> ChunkOutcome:
    """Send claimed rows over one connection; each is marked as soon as its fate is known.

    Marking each row (a normal, flushed commit) straight after the server accepts it,
    rather than all at the end, keeps what a worker killed mid-chunk can send twice to one
    message, as for one row. If sending stops with an error of its own (the database went
    away, the task's time ran out at an unlucky moment), the rows not yet tried go back to
    the queue at once instead of waiting for their lease; the one being sent, if any, waits
    for the lease, since nobody knows whether the server took it.
    """
    untried = list(rows)
    with _Mailer() as mailer:
        sender = _ChunkSender(mailer, now)
        try:
            while untried:
                row = untried[0]
                sender.send(row)
                untried.pop(0)
        except BaseException:
            try:
                _hand_back(untried[1:])
            except Exception:  # The database is gone: the lease returns them instead.
                logger.warning("Could not hand back %s notification(s).", len(untried) - 1)
            raise
    return sender.outcome()


def outbox_sweep(now: datetime | None = None, *, limit: int = 1000) -> int:
    """Send every due notification (up to ``limit``); returns how many were sent.

    Called every minute by Celery beat and by the embedded scheduler. Picks up rows whose
    hand-off to a worker failed (broker down), rows due for a retry, reminders that have
    fallen due, and rows stuck in "sending" past the lease. Claims and sends ``CHUNK`` rows
    at a time; a failing row is recorded and the sweep moves on.
    """
    now = now or timezone.now()
    deadline = time.monotonic() + SWEEP_BUDGET_SECONDS
    sent = claimed = 0
    while claimed < limit and time.monotonic() < deadline:
        rows = _claim_many(Notification.objects.all(), now, limit=min(CHUNK, limit - claimed))
        if not rows:
            break
        claimed += len(rows)
        sent += _send_all(rows, now).sent
    return sent
