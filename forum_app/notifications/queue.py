"""Queueing: write an email with the change that causes it, hand it to a worker after commit.

``notify_each`` queues one kind of email to each person of a roster; ``notify`` queues a
single row (an address without an account, a digest). Rows are written inside the caller's
transaction; after commit the rows that transaction queued go to workers in chunks of up to
``CHUNK``, one task each, or wait for the sweeper if the broker is down. Failed emails are
put back in the queue from here too, by a convenor or a site admin.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.handoff import hand_off
from forum_app.models import Delivery, Forum, Notification, NotificationPreference, User
from forum_app.notifications.kinds import KINDS, kind_for
from forum_app.notifications.sending import CHUNK

logger = logging.getLogger(__name__)


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
    if chosen and spec.allows(chosen):
        return chosen
    return spec.default


def notify(
    *,
    kind: str,
    email: str,
    dedupe_key: str,
    context: dict[str, Any],
    recipient: User | None = None,
    forum: Forum | None = None,
    due_at: datetime | None = None,
    about: models.Model | None = None,
) -> Notification | None:
    """Queue one email of ``kind`` to ``email``; nothing happens if ``dedupe_key`` was used.

    Call it inside the transaction that makes the change. Nothing is queued for a recipient
    whose account is switched off. ``context`` must be
    JSON-serialisable; templates are ``emails/<kind>.subject.txt``, ``.txt`` and ``.html``,
    and ``context["link"]`` (a full URL) is used for the page the email points to. ``due_at``
    (default now) holds a reminder back until then; the sweeper sends it when it falls due.
    The recipient's preference decides whether it goes straight away, waits for their
    digest, or is not sent. ``about`` is what a reminder reminds about (a meeting, a brief),
    so that it can be withdrawn (``Notification.objects.about(obj)``). Returns the new row,
    or None for a duplicate or a kind they turned off. A fixed few queries: the preference,
    and the insert in a savepoint.
    """
    if recipient is not None and not recipient.is_active:
        return None
    delivery = delivery_for(recipient, kind)
    if delivery == Delivery.OFF:
        return None
    digest = delivery if delivery in {Delivery.DAILY, Delivery.WEEKLY} else ""
    row = Notification(
        kind=kind,
        email=email,
        dedupe_key=dedupe_key[:200],
        context=context,
        recipient=recipient,
        forum=forum,
        status=Notification.Status.DIGEST if digest else Notification.Status.PENDING,
        digest=digest,
        due_at=due_at or timezone.now(),
        about=about,
    )
    if not _insert_unless_duplicate(row):
        return None
    if not digest and row.due_at <= timezone.now():
        dispatch_after_commit(row.pk)
    return row


def notify_each(
    kind: str,
    people: Iterable[User],
    *,
    forum: Forum | None,
    context: dict[str, Any],
    key: dict[str, object],
    variant: str = "",
    due_at: datetime | None = None,
    about: models.Model | None = None,
) -> int:
    """Queue an email of ``kind`` to each of ``people`` (a roster); returns how many were queued.

    The one way services write to people. Each row's dedupe key is built by the kind
    (``kinds.py``) from ``key`` and the person's id, in its ``variant`` format, so running
    the same change twice queues nothing twice. Everything else is as for ``notify``:
    switched-off accounts, preferences and digests, ``due_at`` and ``about``.
    """
    spec = KINDS[kind]
    queued = 0
    for person in people:
        row = notify(
            kind=kind,
            email=person.email,
            recipient=person,
            forum=forum,
            dedupe_key=spec.dedupe_key(variant, person=person.pk, **key),
            context=context,
            due_at=due_at,
            about=about,
        )
        queued += row is not None
    return queued


def _insert_unless_duplicate(row: Notification) -> bool:
    """Insert ``row`` unless its dedupe key is taken; True if it was inserted.

    The savepoint keeps the caller's transaction usable after a duplicate key.
    """
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return False
    return True


class _AfterCommit:
    """The rows queued in one transaction (or one savepoint of it), dispatched on commit.

    Registered once per savepoint level, so rolling a savepoint back drops its rows with it
    and a rolled-back transaction dispatches nothing.
    """

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self) -> None:
        dispatch(self.ids)


def dispatch_after_commit(pk: int) -> None:
    """Hand row ``pk`` to a worker once the current transaction commits (now, outside one)."""
    db = transaction.get_connection()
    if not db.in_atomic_block:
        dispatch([pk])
        return
    level = set(db.savepoint_ids)
    batch = next(
        (
            callback
            for sids, callback, _robust in reversed(db.run_on_commit)
            if isinstance(callback, _AfterCommit) and sids == level
        ),
        None,
    )
    if batch is None:
        batch = _AfterCommit()
        transaction.on_commit(batch)
    batch.ids.append(pk)


def dispatch(ids: int | Iterable[int]) -> None:
    """Hand rows to workers, ``CHUNK`` per task. If the broker is down they wait for the sweeper.

    After the first failed hand-off the rest are not tried: the broker is down, and a page
    must not wait for it once per chunk.
    """
    from forum_app.tasks import send_notifications

    ids = [ids] if isinstance(ids, int) else list(ids)
    for start in range(0, len(ids), CHUNK):
        if not hand_off(send_notifications, ids[start : start + CHUNK]):
            return


_AGAIN = {
    "status": Notification.Status.PENDING,
    "attempts": 0,
    "first_tried_at": None,
    "last_error": "",
}


@transaction.atomic
def notification_retry(*, notification: Notification, actor: User) -> Notification:
    """Put a failed notification back in the queue with a fresh set of attempts."""
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(**_AGAIN, due_at=timezone.now())
    if not updated:
        raise ValidationError(_("This email is no longer marked as failed."))
    logger.info("Notification %s queued again by user %s.", notification.pk, actor.pk)
    dispatch_after_commit(notification.pk)
    notification.refresh_from_db()
    return notification


@transaction.atomic
def notifications_retry_failed(*, forum: Forum, actor: User) -> int:
    """Put every failed email of ``forum`` back in the queue; returns how many.

    Only rows still marked failed are taken, each by a conditional UPDATE, so pressing the
    button twice (or two convenors at once) queues each email once; the claim before sending
    makes sure each goes once. Emails to switched-off accounts stay failed.
    """
    failed = (
        Notification.objects.filter(forum=forum)
        .failed()
        .exclude(recipient__is_active=False)
        .order_by("pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        failed = failed.select_for_update(skip_locked=True, of=("self",))
    ids = list(failed.values_list("pk", flat=True))
    queued = Notification.objects.filter(pk__in=ids, status=Notification.Status.FAILED).update(
        **_AGAIN, due_at=timezone.now()
    )
    logger.info(
        "%s notification(s) of forum %s queued again by user %s.", queued, forum.pk, actor.pk
    )
    for pk in ids:
        dispatch_after_commit(pk)
    return queued
