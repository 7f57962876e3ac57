"""Notifications: an outbox of emails written with the change that causes them.

Call ``notify_each`` (a kind, a roster) inside the transaction that makes the change. The
rows a transaction queued are sent after commit by workers, a chunk per task, or by the
sweeper if no worker got them; a conditional claim makes sure each is sent once. People
choose per kind whether to get it straight away, in a daily or weekly digest, or not at all
(where the kind allows it). ``kinds`` lists every kind and its dedupe keys, ``queue``
writes rows, ``sending`` sends them.
"""

from forum_app.notifications.digests import digests_send
from forum_app.notifications.emails import render_email, unsubscribe_url
from forum_app.notifications.kinds import KINDS, Kind, kind_for
from forum_app.notifications.preferences import preferences_for, preferences_set
from forum_app.notifications.queue import (
    dispatch,
    dispatch_after_commit,
    notification_retry,
    notifications_retry_failed,
    notify,
    notify_each,
)
from forum_app.notifications.sending import CHUNK, LEASE, ChunkOutcome, deliver_many, outbox_sweep

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
    "notify_each",
    "outbox_sweep",
    "preferences_for",
    "preferences_set",
    "render_email",
    "unsubscribe_url",
]
