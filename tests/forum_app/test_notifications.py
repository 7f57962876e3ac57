"""Notifications in-process: the outbox, sending once, retries, digests, preferences, pages.

Real workers, a real broker and a real mail server are exercised in test_worker.py.
"""

import math
import re
import smtplib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from celery.schedules import schedule as every
from django.contrib.admin.sites import site as admin_site
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum_app import notifications
from forum_app.celery import app as celery_app
from forum_app.models import Delivery, Notification, NotificationPreference
from forum_app.notifications import (
    CHUNK,
    KINDS,
    LEASE,
    deliver_many,
    digests_send,
    notify,
    outbox_sweep,
    preferences_set,
)
from forum_app.notifications.emails import unsubscribe_token
from forum_app.notifications.scheduler import EmbeddedScheduler
from forum_app.notifications.sending import MAX_RETRY_DELAY, retry_delay
from forum_app.services import invitation_create, membership_request
from tests.conftest import client_for
from tests.factories import ForumFactory, UserFactory


def queue(n: int = 1, *, forum=None, kind: str = "membership_approved", due_at=None, **extra):
    """``n`` rows, written without dispatching (as if the broker never got them)."""
    rows = []
    for _i in range(n):
        user = extra.get("recipient") or UserFactory()
        rows.append(
            Notification.objects.create(
                kind=kind,
                email=extra.get("email", user.email),
                recipient=user,
                forum=forum,
                dedupe_key=f"test:{Notification.objects.count()}:{user.pk}",
                context={"forum": forum.name if forum else "Forum", "link": "http://x/f/"},
                due_at=due_at or timezone.now(),
            )
        )
    return rows


class RefusingBackend(LocmemBackend):
    """Refuses mail for addresses starting with ``gone`` (550); delivers the rest."""

    def send_messages(self, messages):
        for message in messages:
            if message.to[0].startswith("gone"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"5.1.1 No such user")})
        return super().send_messages(messages)


class DisconnectedBackend(LocmemBackend):
    """A mail server that cannot be reached at all."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class PickyBackend(LocmemBackend):
    """Refuses ``gone…`` addresses (550) and answers ``busy…`` with 451; delivers the rest."""

    def send_messages(self, messages):
        for message in messages:
            if message.to[0].startswith("gone"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"5.1.1 No such user")})
            if message.to[0].startswith("busy"):
                raise smtplib.SMTPDataError(451, b"4.3.0 Mail server busy, try again later")
        return super().send_messages(messages)


class CountingBackend(LocmemBackend):
    """Counts the connections opened to it."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return super().open()


class UnreachableBackend(LocmemBackend):
    """A mail server nobody can connect to; counts the tries."""

    opened = 0

    def open(self):
        type(self).opened += 1
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def mailer(settings):
    def use(backend: type) -> None:
        settings.MAILERS = {"default": {"BACKEND": f"{__name__}.{backend.__name__}"}}

    return use


# The outbox: written with the change, sent after commit, deduplicated.


@pytest.mark.django_db
def test_no_notification_is_queued_when_the_change_is_rolled_back(forum, convenor):
    with pytest.raises(RuntimeError), transaction.atomic():
        membership_request(forum=forum, user=UserFactory())
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_same_dedupe_key_queues_one_notification(member):
    args = {"kind": "membership_approved", "email": member.email, "context": {}}
    assert notify(dedupe_key="once", recipient=member, **args) is not None
    assert notify(dedupe_key="once", recipient=member, **args) is None
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_join_request_emails_each_convenor_after_commit(
    forum, convenor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership_request(forum=forum, user=UserFactory(display_name="Siân O'Brien"))
    [message] = mail.outbox
    assert message.to == [convenor.email]
    assert message.subject == "Siân O'Brien asked to join Children's Practitioner Forum"
    assert "Siân O'Brien has asked" in message.body  # plain text is not HTML-escaped
    assert "/f/childrens/members/" in message.body
    assert "because you are a convenor" in message.body
    assert Notification.objects.get().status == Notification.Status.SENT


@pytest.mark.django_db
def test_email_html_is_accessible_and_has_one_click_unsubscribe(
    forum, convenor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership_request(forum=forum, user=UserFactory(display_name="Sam Carter"))
    message = mail.outbox[0]
    html = message.alternatives[0].content
    assert '<html lang="en-GB"' in html
    assert 'role="article"' in html
    assert "<h1" in html and "<img" not in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://") and "/accounts/notifications/unsubscribe/" in url
    assert url in html and url in message.body


@pytest.mark.django_db
def test_invitation_email_has_no_unsubscribe_as_the_address_has_no_account(
    forum, convenor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(forum=forum, actor=convenor, email="new@council.example", role="member")
    [message] = mail.outbox
    assert "invited you to Children's Practitioner Forum" in message.subject
    assert "List-Unsubscribe" not in message.extra_headers
    assert "entered your address" in message.body


@pytest.mark.django_db
def test_membership_approved_email_says_what_happened(forum, member):
    [row] = queue(forum=forum, kind="membership_approved", recipient=member)
    assert deliver_many([row.pk]).sent == 1
    assert mail.outbox[0].subject == f"You are now a member of {forum.name}"


# Sending once.


@pytest.mark.django_db
def test_delivering_twice_sends_once(member):
    [row] = queue()
    assert deliver_many([row.pk]).sent == 1
    assert deliver_many([row.pk]).sent == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_delivering_uses_a_fixed_number_of_queries():
    rows = queue(3)
    # Claim, load, mark sent (and on PostgreSQL the claim's asynchronous commit setting);
    # the savepoints only exist because the test runs inside a transaction.
    per_email = 4 if connection.vendor == "postgresql" else 3
    for row in rows:
        with CaptureQueriesContext(connection) as captured:
            deliver_many([row.pk])
        work = [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(work) == per_email, [q["sql"] for q in work]
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_sweeper_sends_rows_the_broker_never_got(forum):
    queue(3, forum=forum)
    assert outbox_sweep() == 3
    assert outbox_sweep() == 0
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_reminder_is_not_sent_before_it_is_due():
    later = timezone.now() + timedelta(hours=3)
    [row] = queue(due_at=later)
    assert outbox_sweep() == 0
    assert outbox_sweep(now=later) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT


@pytest.mark.django_db
def test_beat_stopped_for_two_hours_sends_each_due_notification_once_on_restart():
    stopped_at = timezone.now()
    due = [stopped_at + timedelta(minutes=m) for m in (1, 30, 59, 90, 119)]
    rows = [queue(due_at=when)[0] for when in due]
    not_yet = queue(due_at=stopped_at + timedelta(hours=3))[0]
    restarted = stopped_at + timedelta(hours=2)
    assert outbox_sweep(now=restarted) == 5
    assert outbox_sweep(now=restarted + timedelta(minutes=1)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in rows)
    not_yet.refresh_from_db()
    assert not_yet.status == Notification.Status.PENDING


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_reclaimed_only_after_the_lease():
    [row] = queue()
    claimed = timezone.now()
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.Status.SENDING, claimed_at=claimed, attempts=1
    )
    assert outbox_sweep(now=claimed + LEASE - timedelta(seconds=1)) == 0
    assert outbox_sweep(now=claimed + LEASE + timedelta(seconds=1)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, len(mail.outbox)) == ("sent", 2, 1)


@pytest.mark.django_db
def test_one_refused_address_does_not_hold_up_the_others(mailer):
    mailer(RefusingBackend)
    good = queue(2)
    [bad] = queue(email="gone@council.example")
    good += queue(2)
    assert outbox_sweep() == 4
    bad.refresh_from_db()
    assert bad.status == Notification.Status.FAILED
    assert bad.attempts == 1  # a permanent refusal is not retried
    assert "refused the address" in bad.last_error and "550" in bad.last_error
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in good)


@pytest.mark.django_db
def test_a_template_error_fails_at_once_with_its_reason():
    [row] = queue(kind="no_such_kind")
    assert outbox_sweep() == 0
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED
    assert "TemplateDoesNotExist" in row.last_error


@pytest.mark.django_db
def test_an_unreachable_mail_server_is_retried_with_backoff_then_fails_with_its_reason(
    mailer, settings
):
    mailer(DisconnectedBackend)
    [row] = queue()
    now = timezone.now()
    for attempt in range(1, 6):
        assert outbox_sweep(now=now) == 0
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", attempt)
        assert "Connection unexpectedly closed" in row.last_error
        assert row.due_at > now  # waits for the backoff before the next attempt
        assert outbox_sweep(now=now) == 0  # not retried early
        now = row.due_at
    gives_up = row.first_tried_at + timedelta(hours=settings.NOTIFICATION_RETRY_HOURS)
    outbox_sweep(now=gives_up)
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED
    assert row.last_error.startswith("Gave up after 6 attempts over 24 hours.")


def test_retry_delays_grow_with_jitter_and_stay_under_the_visibility_timeout(settings):
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    first = [retry_delay(1) for _ in range(50)]
    assert all(base / 2 <= d <= base for d in first) and len(set(first)) > 1
    assert min(retry_delay(3) for _ in range(50)) >= 2 * base
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert max(retry_delay(30) for _ in range(50)) <= MAX_RETRY_DELAY.total_seconds()
    assert MAX_RETRY_DELAY.total_seconds() < visibility
    assert LEASE.total_seconds() > settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_the_same_moment_send_each_notification_once(postgres):
    queue(40)
    start = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        start.wait()
        try:
            counts.append(outbox_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 40
    assert len(mail.outbox) == 40
    assert len({m.to[0] for m in mail.outbox}) == 40
    assert Notification.objects.filter(status="sent", attempts=1).count() == 40


# Chunks: the rows of one transaction go to workers a chunk per task, over one connection.


@pytest.fixture
def chunks(monkeypatch) -> list[list[int]]:
    """The ids each task was given, in the order the tasks ran (in-process here)."""
    seen: list[list[int]] = []
    real = notifications.deliver_many

    def recording(ids, **kwargs):
        seen.append(list(ids))
        return real(ids, **kwargs)

    monkeypatch.setattr(notifications, "deliver_many", recording)
    return seen


def notify_each(people, prefix: str = "batch") -> list[Notification]:
    return [
        notify(
            kind="membership_approved",
            email=person.email,
            recipient=person,
            dedupe_key=f"{prefix}:{person.pk}",
            context={"forum": "Forum", "link": "http://x/f/"},
        )
        for person in people
    ]


@pytest.mark.django_db
def test_120_notifications_in_one_transaction_go_out_in_3_tasks_each_sent_once(
    chunks, django_capture_on_commit_callbacks
):
    people = UserFactory.create_batch(120)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = notify_each(people)
    assert len(chunks) == math.ceil(120 / CHUNK) == 3
    assert [len(ids) for ids in chunks] == [50, 50, 20]
    assert sorted(pk for ids in chunks for pk in ids) == sorted(row.pk for row in rows)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(person.email for person in people)
    assert Notification.objects.filter(status="sent", attempts=1).count() == 120


@pytest.mark.django_db
def test_a_rolled_back_transaction_dispatches_nothing(chunks, django_capture_on_commit_callbacks):
    people = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_each(people)
            raise RuntimeError("the change failed")
    assert callbacks == [] and chunks == []
    assert not Notification.objects.exists() and mail.outbox == []


@pytest.mark.django_db
def test_rows_of_a_rolled_back_savepoint_are_not_dispatched_with_the_rest(
    chunks, django_capture_on_commit_callbacks
):
    first, dropped, last = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [kept] = notify_each([first])
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_each([dropped])
            raise RuntimeError("this part failed")
        [also] = notify_each([last])
    assert chunks == [[kept.pk, also.pk]]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, last.email])


@pytest.mark.django_db
def test_queueing_takes_a_fixed_number_of_queries_even_for_a_duplicate(member):
    with CaptureQueriesContext(connection) as captured:
        assert notify_each([member], prefix="q") != [None]
        assert notify_each([member], prefix="q") == [None]
    work = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # Per call: the recipient's preference, then the insert in a savepoint (released, or for
    # a taken dedupe key rolled back and released, leaving the caller's transaction usable).
    assert len(work) == 4, work
    assert len(captured.captured_queries) == 4 + 5
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_sending_a_chunk_takes_one_query_per_row_and_a_fixed_few():
    def cost(n: int) -> int:
        rows = queue(n)
        with CaptureQueriesContext(connection) as captured:
            assert deliver_many([row.pk for row in rows]).sent == n
        return len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]])

    # One claim per chunk: on PostgreSQL lock the due rows and mark them (with the claim's
    # asynchronous commit setting); on SQLite mark them, then read them back.
    fixed = 3 if connection.vendor == "postgresql" else 2
    assert cost(5) == 5 + fixed
    assert cost(30) == 30 + fixed


@pytest.mark.django_db
def test_delivering_a_chunk_twice_sends_each_row_once():
    ids = [row.pk for row in queue(4)]
    assert deliver_many(ids).sent == 4
    assert deliver_many(ids).sent == 0
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_a_chunk_with_a_refused_and_a_busy_address_sends_the_rest_and_records_both(mailer):
    mailer(PickyBackend)
    good = queue(2)
    [gone] = queue(email="gone@council.example")
    good += queue(1)
    [busy] = queue(email="busy@council.example")
    good += queue(2)
    before = timezone.now()
    outcome = deliver_many([row.pk for row in [*good, gone, busy]])
    assert outcome.sent == 5
    assert outcome.retry_ids == (busy.pk,)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(row.email for row in good)
    gone.refresh_from_db()
    assert (gone.status, gone.attempts) == ("failed", 1)  # a permanent refusal is not retried
    assert "refused the address" in gone.last_error and "550" in gone.last_error
    busy.refresh_from_db()
    assert (busy.status, busy.attempts) == ("pending", 1)
    assert "451" in busy.last_error and busy.due_at > before  # waits for its backoff
    assert Notification.objects.filter(status="sent", attempts=1).count() == 5


@pytest.mark.django_db
def test_the_sweeper_sends_in_chunks_over_one_connection_each(mailer):
    mailer(CountingBackend)
    CountingBackend.opened = 0
    queue(CHUNK + 5)
    assert outbox_sweep() == CHUNK + 5
    assert CountingBackend.opened == 2
    assert len(mail.outbox) == CHUNK + 5


@pytest.mark.django_db
def test_an_unreachable_mail_server_is_tried_once_per_chunk_and_the_rows_wait(mailer):
    mailer(UnreachableBackend)
    UnreachableBackend.opened = 0
    rows = queue(5)
    outcome = deliver_many([row.pk for row in rows])
    assert UnreachableBackend.opened == 1
    assert (outcome.sent, sorted(outcome.retry_ids)) == (0, sorted(row.pk for row in rows))
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", 1)
        assert "Connection refused" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_chunk_send_each_row_once(postgres):
    ids = [row.pk for row in queue(40)]
    start = threading.Barrier(2)
    counts: list[int] = []

    def work() -> None:
        start.wait()
        try:
            counts.append(deliver_many(ids).sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 40
    assert len(mail.outbox) == 40
    assert len({m.to[0] for m in mail.outbox}) == 40
    assert Notification.objects.filter(status="sent", attempts=1).count() == 40


# Celery and the schedule.


def test_celery_is_configured_to_survive_crashes_and_outages(settings):
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] == 3600
    schedule = conf.beat_schedule
    assert schedule["outbox-sweep"]["schedule"] == every(run_every=timedelta(seconds=60))
    assert schedule["daily-digest"]["kwargs"] == {"period": "daily"}
    assert schedule["weekly-digest"]["schedule"] == crontab(hour=7, minute=0, day_of_week="mon")


@pytest.mark.django_db
def test_embedded_scheduler_runs_the_sweeper_when_it_falls_due():
    queue(2)
    scheduler = EmbeddedScheduler()
    assert scheduler.run_due() == []  # nothing due in the first minute
    scheduler.last_run = {name: timezone.now() - timedelta(minutes=2) for name in ["outbox-sweep"]}
    assert "outbox-sweep" in scheduler.run_due()
    assert len(mail.outbox) == 2


# Preferences and digests.


@pytest.mark.django_db
def test_digest_users_get_one_digest_holding_the_items_not_single_emails(
    forum, convenor, django_capture_on_commit_callbacks
):
    preferences_set(user=convenor, choices={"membership_requested": Delivery.DAILY})
    with django_capture_on_commit_callbacks(execute=True):
        for name in ["Asha Patel", "Ben Jones", "Cara Lewis"]:
            membership_request(forum=forum, user=UserFactory(display_name=name))
    assert mail.outbox == []
    assert Notification.objects.filter(status="digest").count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(period="daily") == 1
        assert digests_send(period="daily") == 0
    [digest] = mail.outbox
    assert digest.to == [convenor.email]
    assert digest.subject == "Your daily forum digest: 3 updates"
    for name in ["Asha Patel", "Ben Jones", "Cara Lewis"]:
        assert f"{name} asked to join" in digest.body
    html = digest.alternatives[0].content
    assert "Children&#x27;s Practitioner Forum</h2>" in html and html.count("<li") == 3
    bundle = Notification.objects.get(kind="digest")
    assert bundle.status == Notification.Status.SENT
    assert set(bundle.items.values_list("status", flat=True)) == {"digested"}


@pytest.mark.django_db
def test_items_arriving_after_todays_digest_wait_for_tomorrows(member, forum):
    preferences_set(user=member, choices={"membership_approved": Delivery.DAILY})
    notify(
        kind="membership_approved",
        email=member.email,
        recipient=member,
        forum=forum,
        dedupe_key="a",
        context={"forum": forum.name, "link": "http://x/"},
    )
    now = timezone.now()
    assert digests_send(period="daily", now=now) == 1
    notify(
        kind="membership_approved",
        email=member.email,
        recipient=member,
        forum=forum,
        dedupe_key="b",
        context={"forum": forum.name, "link": "http://x/"},
    )
    assert digests_send(period="daily", now=now) == 0
    assert digests_send(period="daily", now=now + timedelta(days=1)) == 1
    assert Notification.objects.filter(kind="digest").count() == 2
    assert Notification.objects.filter(status="digested").count() == 2


@pytest.mark.django_db
def test_weekly_digest_leaves_daily_items_alone(member, forum):
    preferences_set(user=member, choices={"membership_approved": Delivery.DAILY})
    notify(
        kind="membership_approved",
        email=member.email,
        recipient=member,
        forum=forum,
        dedupe_key="a",
        context={"forum": forum.name},
    )
    assert digests_send(period="weekly") == 0
    assert digests_send(period="daily") == 1


@pytest.mark.django_db
def test_a_kind_turned_off_is_not_queued(member):
    preferences_set(user=member, choices={"membership_approved": Delivery.OFF})
    row = notify(
        kind="membership_approved", email=member.email, recipient=member, dedupe_key="x", context={}
    )
    assert row is None and not Notification.objects.exists()


@pytest.mark.django_db
def test_mandatory_kinds_cannot_be_turned_off(leader):
    assert KINDS["commitment_reminder"].can_turn_off is False
    with pytest.raises(Exception, match="cannot change"):
        preferences_set(user=leader, choices={"commitment_reminder": Delivery.OFF})
    # Even a stored choice (e.g. from before the kind became mandatory) is ignored.
    NotificationPreference.objects.create(user=leader, kind="commitment_reminder", delivery="off")
    row = notify(
        kind="commitment_reminder", email=leader.email, recipient=leader, dedupe_key="r", context={}
    )
    assert row is not None and row.status == Notification.Status.PENDING


@pytest.mark.django_db
def test_preferences_page_saves_choices_and_lists_what_cannot_be_turned_off(member):
    client = client_for(member)
    url = reverse("notification_preferences")
    page = client.get(url).content.decode()
    assert "Requests to join" in page and "Reminders about your commitments" in page
    assert 'name="commitment_reminder"' not in page
    data = {
        kind.key: kind.default if kind.digest_only else "immediate"
        for kind in KINDS.values()
        if kind.listed and kind.can_turn_off
    }
    data["meeting_reminder"] = "weekly"
    response = client.post(url, data)
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=member, kind="meeting_reminder").delivery == (
        "weekly"
    )


@pytest.mark.django_db
def test_preferences_page_explains_a_bad_choice_and_keeps_the_others(member):
    data = {kind.key: "daily" for kind in KINDS.values() if kind.listed and kind.can_turn_off}
    data["meeting_reminder"] = "hourly"
    response = client_for(member).post(reverse("notification_preferences"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "hourly is not one of the available" in page
    kept = re.search(r'<input[^>]*name="membership_requested"[^>]*value="daily"[^>]*>', page)
    assert kept and "checked" in kept.group(0)  # what was chosen is not lost
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_one_click_unsubscribe_works_without_signing_in(client, member):
    url = reverse(
        "notification_unsubscribe", args=[unsubscribe_token(member.pk, "meeting_reminder")]
    )
    assert client.get(url).status_code == 200
    assert not NotificationPreference.objects.exists()  # opening the link changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=member).delivery == Delivery.OFF


@pytest.mark.django_db
def test_unsubscribe_refuses_forged_tokens_and_mandatory_kinds(client, leader):
    forged = unsubscribe_token(leader.pk, "meeting_reminder")[:-2] + "xx"
    assert client.post(reverse("notification_unsubscribe", args=[forged])).status_code == 404
    mandatory = unsubscribe_token(leader.pk, "commitment_reminder")
    assert client.post(reverse("notification_unsubscribe", args=[mandatory])).status_code == 404
    assert not NotificationPreference.objects.exists()


# Failed deliveries: listed for the forum's convenors and site admins, with a retry.


@pytest.fixture
def failed(forum):
    [row] = queue(forum=forum, email="gone@council.example")
    Notification.objects.filter(pk=row.pk).update(
        status="failed", attempts=1, last_error="The mail server refused the address (550)."
    )
    return row


@pytest.mark.django_db
def test_convenor_sees_failed_emails_of_their_forum_with_the_reason(
    convenor, failed, django_assert_max_num_queries
):
    other = ForumFactory()
    queue(forum=other, email="elsewhere@council.example")
    Notification.objects.filter(forum=other).update(status="failed", last_error="other forum")
    client = client_for(convenor)
    url = reverse("notifications_failed", args=["childrens"])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "gone@council.example" in page and "refused the address (550)" in page
    assert "elsewhere@council.example" not in page


@pytest.mark.django_db
def test_convenor_can_send_a_failed_email_again(
    convenor, failed, django_capture_on_commit_callbacks
):
    url = reverse("notification_retry", args=["childrens", failed.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(convenor).post(url)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [["gone@council.example"]]
    again = client_for(convenor).post(url, follow=True)
    assert "no longer marked as failed" in again.content.decode()


@pytest.mark.django_db
def test_site_admin_lists_failures_with_reason_and_can_retry_them(failed):
    admin = UserFactory(is_staff=True, is_superuser=True)
    model_admin = admin_site._registry[Notification]
    assert "last_error" in model_admin.list_display
    assert "context" not in model_admin.fields  # forum content stays out of the admin
    request = RequestFactory().post("/admin/")
    request.user = admin
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    model_admin.retry_failed(request, Notification.objects.all())
    failed.refresh_from_db()
    assert failed.status in {"pending", "sent"} and failed.attempts in {0, 1}


# The local mailbox.


@pytest.mark.django_db
def test_local_mailbox_is_hidden_unless_debug(client):
    assert client.get(reverse("dev_mailbox")).status_code == 404


@pytest.mark.django_db
def test_local_mailbox_shows_emails_written_to_files(client, settings, tmp_path, member):
    settings.DEBUG = True
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    [row] = queue(recipient=member)
    deliver_many([row.pk])
    [written] = list(tmp_path.glob("*.log"))
    listing = client.get(reverse("dev_mailbox")).content.decode()
    assert "You are now a member of Forum" in listing
    detail = client.get(reverse("dev_mailbox_message", args=[written.name, 0]))
    assert "List-Unsubscribe" in detail.content.decode()
    html = client.get(reverse("dev_mailbox_html", args=[written.name, 0]))
    assert 'role="article"' in html.content.decode()
    assert client.get(reverse("dev_mailbox_message", args=["..%2Fx.log", 0])).status_code == 404


def test_the_embedded_scheduler_finds_every_scheduled_task_in_a_fresh_process(tmp_path):
    """``make run`` starts with no task module imported; each beat job must still be found."""
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from forum_app.celery import app\n"
        "from forum_app.notifications.scheduler import EmbeddedScheduler\n"
        "EmbeddedScheduler().run_due()\n"
        "tasks = [e['task'] for e in app.conf.beat_schedule.values()]\n"
        "missing = [t for t in tasks if t not in app.tasks]\n"
        "print('missing', missing)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "forum_app.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert "missing []" in done.stdout, done.stdout + done.stderr
    assert "NotRegistered" not in done.stderr
