"""Notifications: an outbox of emails written with the change that causes them.

Call ``notify`` inside the transaction that makes the change. The rows a transaction queued
are sent after commit by workers, a chunk per task, or by the sweeper if no worker got them;
a conditional claim makes sure each is sent once. People choose per kind whether to get
it straight away, in a daily or weekly digest, or not at all (where the kind allows it).
"""

from forum_app.notifications.digests import digests_send
from forum_app.notifications.emails import render_email, unsubscribe_url
from forum_app.notifications.kinds import KINDS, Kind, kind_for
from forum_app.notifications.outbox import (
    CHUNK,
    LEASE,
    ChunkOutcome,
    deliver_many,
    dispatch,
    dispatch_after_commit,
    notification_retry,
    notifications_retry_failed,
    notify,
    outbox_sweep,
)
from forum_app.notifications.preferences import preferences_for, preferences_set

__all__ = [
    "CHUNK",
    "KINDS",
    "LEASE",
    "ChunkOutcome",
    "Kind",
    "deliver_many",
    "digests_send",
    "dispatch",
    "dispatch_after_commit",
    "kind_for",
    "notification_retry",
    "notifications_retry_failed",
    "notify",
    "outbox_sweep",
    "preferences_for",
    "preferences_set",
    "render_email",
    "unsubscribe_url",
]
