"""Digests: everything a person chose to hear about less often, in one email per period."""

from collections.abc import Callable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from forum_app.models import Delivery, Notification, User
from forum_app.notifications.emails import email_context, render_subject
from forum_app.notifications.kinds import DIGEST, KINDS
from forum_app.notifications.queue import notify

# Feature apps that queue digest items in bulk just before a run (news of followed issues)
# register here, so this module never imports them.
_SOURCES: list[Callable[[], object]] = []


def digest_source_register(source: Callable[[], object]) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def period_key(period: str, now: datetime) -> str:
    """The calendar day or ISO week a digest covers, in the site's time zone."""
    day = timezone.localdate(now)
    if period == Delivery.DAILY:
        return day.isoformat()
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _item(row: Notification) -> dict[str, str]:
    return {
        "forum": row.forum.name if row.forum else "",
        "line": render_subject(row.kind, email_context(row)),
        "link": str(row.context.get("link", "")),
    }


def _waiting(period: str, now: datetime):
    """Items for ``period``'s digests that have fallen due: a reminder waits for its time."""
    return Notification.objects.filter(
        status=Notification.Status.DIGEST, digest=period, created_at__lte=now, due_at__lte=now
    )


def _bundle(user: User, period: str, key: str, now: datetime) -> bool:
    with transaction.atomic():
        waiting = _waiting(period, now).filter(recipient=user)
        if connection.features.has_select_for_update:
            waiting = waiting.select_for_update(of=("self",))
        items = list(waiting.select_related("forum").order_by("forum__name", "created_at"))
        if not items:
            return False
        bundle = notify(
            kind=DIGEST,
            email=user.email,
            recipient=user,
            dedupe_key=KINDS[DIGEST].dedupe_key(period=period, key=key, person=user.pk),
            context={"period": period, "items": [_item(row) for row in items]},
        )
        if bundle is None:
            return False
        claimed = Notification.objects.filter(
            pk__in=[row.pk for row in items], status=Notification.Status.DIGEST
        ).update(status=Notification.Status.DIGESTED, bundle=bundle)
        if claimed != len(items):
            transaction.set_rollback(True)
            return False
    return True


def digests_send(*, period: str, now: datetime | None = None) -> int:
    """Bundle each person's waiting items for ``period`` into one digest email; returns how many.

    Run daily and weekly by the scheduler. Each item moves into exactly one digest: the
    digest row's dedupe key allows one per person per day (or week), and items are marked
    in the same transaction that queues it. Items arriving after this period's digest wait
    for the next one, and so do reminders whose time has not come (``due_at``): a meeting
    reminder goes in the digest of the day it falls due, not the first digest after it was
    queued. Registered sources (news of followed issues) queue their items first.
    """
    if period not in {Delivery.DAILY, Delivery.WEEKLY}:
        raise ValueError(f"Unknown digest period {period!r}.")
    for source in _SOURCES:
        source()
    now = now or timezone.now()
    key = period_key(period, now)
    recipient_ids = set(
        _waiting(period, now).exclude(recipient=None).values_list("recipient_id", flat=True)
    )
    sent = 0
    for user in User.objects.filter(pk__in=recipient_ids, is_active=True):
        sent += _bundle(user, period, key, now)
    return sent
