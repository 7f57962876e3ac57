"""Notifications: an outbox of emails written with the change that causes them.

Call ``notify`` inside the transaction that makes the change. The row is sent after commit
by a worker, or by the sweeper if the worker never got it; a conditional claim makes sure
it is sent once. People choose per kind whether to get it straight away, in a daily or
weekly digest, or not at all (where the kind allows it).
"""

from forum_app.notifications.digests import digests_send
from forum_app.notifications.emails import render_email, unsubscribe_url
from forum_app.notifications.kinds import KINDS, Kind, kind_for
from forum_app.notifications.outbox import (
    LEASE,
    Outcome,
    deliver,
    dispatch,
    notification_retry,
    notify,
    outbox_sweep,
)
from forum_app.notifications.preferences import preferences_for, preferences_set

__all__ = [
    "KINDS",
    "LEASE",
    "Kind",
    "Outcome",
    "deliver",
    "digests_send",
    "dispatch",
    "kind_for",
    "notification_retry",
    "notify",
    "outbox_sweep",
    "preferences_for",
    "preferences_set",
    "render_email",
    "unsubscribe_url",
]
