"""Email through faults: a relay down for hours, a task that dies mid-chunk, a database
connection that drops after the relay took a message, digests and the undelivered page.

Each test says which promise it holds; the worker-process versions are in test_worker.py.
"""

from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from forum_app.models import Delivery, Notification
from forum_app.notifications import LEASE, deliver_many, digests_send, notify, outbox_sweep
from forum_app.notifications import sending as outbox_module
from forum_app.notifications.preferences import preferences_set
from forum_app.tasks import send_notifications
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MAX_DELAY = outbox_module.MAX_RETRY_DELAY


def queue(n: int = 1, *, forum=None, email: str | None = None) -> list[Notification]:
    rows = []
    for _ in range(n):
        user = UserFactory()
        rows.append(
            Notification.objects.create(
                kind="membership_approved",
                email=email or user.email,
                recipient=user,
                forum=forum,
                dedupe_key=f"fault:{Notification.objects.count()}:{user.pk}",
                context={"forum": forum.name if forum else "Forum", "link": "http://x/f/"},
            )
        )
    return rows


class RelayBackend(LocmemBackend):
    """The mail relay: refuses connections while ``down`` is set, else accepts."""

    down = False

    def open(self):
        if RelayBackend.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().open()


@pytest.fixture
def relay(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RelayBackend"}}
    RelayBackend.down = False
    yield RelayBackend
    RelayBackend.down = False


def statuses(rows) -> set[str]:
    return set(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    )


# A relay's maintenance window costs delay, not emails.


def test_a_relay_down_for_eight_hours_delays_the_emails_and_fails_none(relay):
    rows = queue(60)
    relay.down = True
    start = timezone.now()
    now = start
    while now < start + timedelta(hours=8):  # the sweeper, every minute (stepped by 5 here)
        assert outbox_sweep(now=now) == 0
        now += timedelta(minutes=5)
    assert statuses(rows) == {"pending"}
    assert mail.outbox == []
    relay.down = False
    assert outbox_sweep(now=now + MAX_DELAY) == 60
    assert statuses(rows) == {"sent"}
    assert len(mail.outbox) == 60
    assert outbox_sweep(now=now + 2 * MAX_DELAY) == 0


def test_a_relay_down_for_longer_than_the_retry_window_lists_the_emails_as_failed(relay):
    [row] = queue()
    relay.down = True
    start = timezone.now()
    outbox_sweep(now=start)
    outbox_sweep(now=start + timedelta(hours=settings.NOTIFICATION_RETRY_HOURS, minutes=16))
    row.refresh_from_db()
    assert row.status == "failed"
    assert "Connection refused" in row.last_error and "Gave up after 2 attempts" in row.last_error


def test_the_send_task_never_retries_through_the_broker(relay):
    """One way of trying again: the row's due time and the sweeper, not a Celery countdown."""
    [row] = queue()
    relay.down = True
    send_notifications.run([row.pk])  # as a worker runs it: not eager, so a retry would publish
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1 and row.due_at > timezone.now()


# Interrupted chunks come back in about a task's time limit, or at once.


def test_a_dead_workers_rows_are_claimed_again_soon_after_the_task_time_limit():
    assert LEASE <= timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    [row] = queue()
    claimed = timezone.now()
    Notification.objects.filter(pk=row.pk).update(status="sending", claimed_at=claimed, attempts=1)
    assert outbox_sweep(now=claimed + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)) == 0
    assert outbox_sweep(now=claimed + timedelta(minutes=3)) == 1
    assert len(mail.outbox) == 1


def test_a_task_that_fails_mid_chunk_hands_back_the_rows_it_never_tried(monkeypatch):
    rows = queue(6)
    real_record = outbox_module._record
    calls = []

    def record_then_lose_the_database(row, *args):
        calls.append(row.pk)
        if len(calls) == 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real_record(row, *args)

    monkeypatch.setattr(outbox_module, "_record", record_then_lose_the_database)
    with pytest.raises(OperationalError):
        deliver_many([row.pk for row in rows])
    monkeypatch.undo()

    by_pk = Notification.objects.in_bulk([row.pk for row in rows])
    ordered = [by_pk[row.pk] for row in rows]
    assert [r.status for r in ordered[:2]] == ["sent", "sent"]
    # The third went to the relay but its fate was never written: it waits for the lease.
    assert (ordered[2].status, ordered[2].attempts) == ("sending", 1)
    # The other three were never tried: they are back in the queue, due now, unattempted.
    assert [(r.status, r.attempts, r.first_tried_at) for r in ordered[3:]] == [
        ("pending", 0, None)
    ] * 3
    assert all(r.due_at <= timezone.now() for r in ordered[3:])
    assert outbox_sweep() == 3
    assert len(mail.outbox) == 6


# The "sent" mark survives a dropped database connection.


class TerminatingBackend(LocmemBackend):
    """Accepts the message, then the database drops this process's connection."""

    def send_messages(self, messages):
        accepted = super().send_messages(messages)
        pid = connection.connection.info.backend_pid
        params = connection.get_connection_params()
        keys = ("host", "port", "user", "password", "dbname")
        with psycopg.connect(**{k: params[k] for k in keys if params.get(k)}) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return accepted


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_after_the_relay_accepted_still_marks_the_email_sent(
    postgres, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.TerminatingBackend"}}
    [row] = queue()
    assert deliver_many([row.pk]).sent == 1
    row.refresh_from_db()
    assert row.status == "sent"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert outbox_sweep(now=timezone.now() + 2 * LEASE) == 0
    assert len(mail.outbox) == 1


# Digests respect each item's due time.


def test_a_meeting_reminder_waits_for_the_digest_of_the_day_it_falls_due(member, forum):
    preferences_set(user=member, choices={"meeting_reminder": Delivery.DAILY})
    now = timezone.now()
    meeting_day = now + timedelta(days=40)
    notify(
        kind="meeting_reminder",
        email=member.email,
        recipient=member,
        forum=forum,
        dedupe_key="reminder:1d",
        context={"forum": forum.name, "title": "Monthly meeting", "in_days": 1, "link": "x"},
        due_at=meeting_day - timedelta(days=1),
    )
    for day in range(39):
        assert digests_send(period="daily", now=now + timedelta(days=day)) == 0
    assert digests_send(period="daily", now=meeting_day - timedelta(hours=12)) == 1
    assert Notification.objects.get(kind="meeting_reminder").status == "digested"


# The undelivered page: a total, and "send all again" after a confirmation.


def failed_rows(forum, n: int) -> list[Notification]:
    rows = queue(n, forum=forum)
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
        status="failed", attempts=3, last_error="The mail server answered 451: busy"
    )
    return rows


def test_the_undelivered_page_gives_the_total_beyond_the_ones_it_lists(convenor, forum):
    failed_rows(forum, 205)
    page = client_for(convenor).get(reverse("notifications_failed", args=[forum.slug])).text
    assert "205 emails could not be sent." in page
    assert "The latest 200 are listed." in page
    assert "Send all 205 emails again" in page


def test_send_all_again_asks_first_then_sends_each_email_once(
    convenor, forum, django_capture_on_commit_callbacks
):
    rows = failed_rows(forum, 7)
    url = reverse("notifications_retry_failed", args=[forum.slug])
    client = client_for(convenor)
    confirm = client.get(url)
    assert "Send 7 emails again?" in confirm.text
    assert statuses(rows) == {"failed"}  # asking changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "7 emails will be sent again." in response.text
    assert statuses(rows) == {"sent"}
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True)
    assert "There were no failed emails left to send again." in again.text
    assert outbox_sweep(now=timezone.now() + 2 * LEASE) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in rows)


def test_send_all_again_leaves_switched_off_accounts_and_other_forums_alone(
    convenor, forum, other_forum
):
    [to_someone_gone, to_someone_here] = failed_rows(forum, 2)
    [elsewhere] = failed_rows(other_forum, 1)
    to_someone_gone.recipient.is_active = False
    to_someone_gone.recipient.save()
    client_for(convenor).post(reverse("notifications_retry_failed", args=[forum.slug]))
    assert statuses([to_someone_here]) == {"pending"}
    assert statuses([to_someone_gone, elsewhere]) == {"failed"}
