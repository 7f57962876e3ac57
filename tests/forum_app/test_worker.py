"""Notifications with real processes: Redis, Celery workers, PostgreSQL and an SMTP server.

Each test starts its own throwaway redis-server on a free port (the machine's Redis is
shared and never touched), a local SMTP server (aiosmtpd) in this process, and Celery
workers as subprocesses that read the test database. Every wait has a time limit and every
process is stopped in a fixture's teardown.
"""

import asyncio
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import kombu.pools
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from forum_app.celery import app as celery_app
from forum_app.handoff import broker_rest_end
from forum_app.models import Notification
from forum_app.notifications import CHUNK, LEASE, notify, outbox_sweep
from tests.conftest import client_for, require_service
from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.")


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, 10, "redis-server to start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class SmtpSink:
    """A local mail server that records accepted messages and can misbehave on request.

    ``fail_times[address] = n`` answers 451 to the first n deliveries for that address;
    ``fail_always`` answers 451 every time; ``reject`` refuses the address with 550;
    ``hold`` keeps a delivery waiting (the sender is mid-send) until ``release`` is set,
    then closes without accepting it. ``connections`` counts the sessions opened (EHLOs).
    """

    def __init__(self) -> None:
        self.accepted: list = []
        self.connections = 0
        self.fail_times: dict[str, int] = {}
        self.fail_always: set[str] = set()
        self.reject: set[str] = set()
        self.hold: set[str] = set()
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.port = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.connections += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        address = envelope.rcpt_tos[0]
        if address in self.hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "421 4.3.0 Closing connection"
        with self.lock:
            if address in self.fail_always:
                return "451 4.3.0 Mail server busy, try again later"
            if self.fail_times.get(address, 0) > 0:
                self.fail_times[address] -= 1
                return "451 4.3.0 Mail server busy, try again later"
            self.accepted.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.accepted if m["To"] == address]


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    require_service(shutil.which("redis-server") is not None, "redis-server")
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    try:
        yield sink
    finally:
        sink.release.set()
        controller.stop()


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Make this process hand tasks to ``url`` instead of running them in-process."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = url, False
    forget_connections()
    try:
        yield
    finally:
        forget_connections()
        conf.broker_url, conf.task_always_eager = saved


def forget_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()
    broker_rest_end()


class Workers:
    """Starts Celery workers as subprocesses against the test database; kills them all after."""

    def __init__(self, broker_url: str, smtp_port: int, tmp_path: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "SECRET_KEY": "worker-test-" + "k" * 60,
            "BRIEF_SIGNING_KEY": base64.b64encode(b"w" * 32).decode(),
            "DEBUG": "0",
            "VAR_DIR": str(tmp_path),
            "LOG_LEVEL": "WARNING",
        }
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(self, *, beat: bool = False, **env: str) -> subprocess.Popen:
        command = [str(CELERY), "-A", "forum_app", "worker", "--pool=solo", "--concurrency=1"]
        command += ["-l", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle"]
        if beat:
            command += ["-B", "-s", str(self.tmp_path / "beat-schedule")]
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(process)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.tmp_path.glob("worker-*.log"))


@pytest.fixture
def workers(postgres, transactional_db, redis_server, smtp, tmp_path) -> Iterator[Workers]:
    pool = Workers(redis_server.url, smtp.port, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def queue_for(address: str, key: str, forum=None) -> Notification:
    user = UserFactory(email=address)
    return notify(
        kind="membership_approved",
        email=address,
        recipient=user,
        forum=forum,
        dedupe_key=key,
        context={"forum": "Children's Practitioner Forum", "link": "http://x/f/childrens/"},
    )


def statuses(*rows: Notification) -> list[str]:
    return list(
        Notification.objects.filter(pk__in=[r.pk for r in rows])
        .order_by("pk")
        .values_list("status", flat=True)
    )


def test_pages_answer_while_redis_is_down_and_every_email_is_sent_once_after_restart(
    workers, redis_server, smtp, forum, convenor
):
    applicants = [UserFactory(email=f"applicant{i}@council.example") for i in range(3)]
    warm = client_for(applicants[0])  # a running server has its templates and modules loaded
    assert warm.get(reverse("join")).status_code == warm.get(reverse("home")).status_code == 200
    redis_server.stop()
    with publishing_to(redis_server.url):
        for applicant in applicants:
            started = time.monotonic()
            response = client_for(applicant).post(reverse("join"), {"forum": forum.pk}, follow=True)
            assert response.status_code == 200
            assert time.monotonic() - started < 2
        started = time.monotonic()
        response = client_for(convenor).post(
            reverse("forum_members", args=[forum.slug]),
            {"email": "invitee@council.example", "role": "member"},
            follow=True,
        )
        assert response.status_code == 200
        assert time.monotonic() - started < 2
    rows = list(Notification.objects.all())
    assert len(rows) == 4
    assert set(statuses(*rows)) == {"pending"}

    redis_server.start()
    workers.start(beat=True)
    wait_for(
        lambda: set(statuses(*rows)) == {"sent"}, 60, "every email to be sent after the restart"
    )
    assert len(smtp.to(convenor.email)) == 3
    assert len(smtp.to("invitee@council.example")) == 1
    time.sleep(1)
    assert len(smtp.accepted) == 4, workers.logs()


def test_worker_killed_mid_send_sends_exactly_once_after_restart(workers, redis_server, smtp):
    smtp.hold.add("held@council.example")
    first = workers.start()
    with publishing_to(redis_server.url):
        row = queue_for("held@council.example", "held")
        # notify() dispatches on commit; outside a transaction that is now.
    wait_for(smtp.holding.is_set, 30, "the worker to start sending")
    workers.kill(first)  # SIGKILL, before the mail server accepted the message
    smtp.release.set()
    smtp.hold.clear()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sending", 1)
    assert outbox_sweep() == 0  # within the lease nobody else takes it

    # Time travel: the lease runs out. The restarted worker's first sweep reclaims the row.
    Notification.objects.filter(pk=row.pk).update(claimed_at=F("claimed_at") - LEASE)
    workers.start()
    wait_for(lambda: statuses(row) == ["sent"], 60, "the restarted worker to send it")
    with publishing_to(redis_server.url):
        from forum_app.tasks import send_notifications

        send_notifications.delay([row.pk])  # a late redelivery of the lost task changes nothing
    time.sleep(2)
    assert len(smtp.to("held@council.example")) == 1, workers.logs()
    row.refresh_from_db()
    assert row.attempts == 2


def test_mail_server_failing_three_times_then_recovering_delivers_one_email(
    workers, redis_server, smtp
):
    """Retries come from the row's due time and the sweeper (beat), never a Celery countdown."""
    smtp.fail_times["flaky@council.example"] = 3
    smtp.fail_always.add("busy@council.example")
    smtp.reject.add("gone@council.example")
    workers.start(beat=True, NOTIFICATION_RETRY_BASE_SECONDS="1", NOTIFICATION_SWEEP_SECONDS="1")
    with publishing_to(redis_server.url):
        flaky = queue_for("flaky@council.example", "flaky")
        busy = queue_for("busy@council.example", "busy")
        gone = queue_for("gone@council.example", "gone")
    wait_for(lambda: statuses(flaky, gone) == ["sent", "failed"], 120, "the retries to finish")
    wait_for(lambda: Notification.objects.get(pk=busy.pk).attempts >= 3, 120, "three tries of busy")
    # A day goes by: the sweeper gives up on the address the server is always too busy for.
    Notification.objects.filter(pk=busy.pk).update(
        first_tried_at=F("first_tried_at") - timedelta(hours=settings.NOTIFICATION_RETRY_HOURS)
    )
    wait_for(lambda: statuses(busy) == ["failed"], 120, "the sweeper to give up on busy")
    assert len(smtp.to("flaky@council.example")) == 1
    assert smtp.to("busy@council.example") == []
    flaky.refresh_from_db()
    busy.refresh_from_db()
    gone.refresh_from_db()
    assert flaky.attempts == 4
    assert busy.last_error.startswith(f"Gave up after {busy.attempts} attempts over 24 hours")
    assert "451" in busy.last_error
    assert gone.attempts == 1  # a refused address is not retried
    assert "550" in gone.last_error


def wait_for_workers(count: int) -> None:
    """Until ``count`` workers answer a ping (they are consuming and their first sweep ran)."""
    wait_for(
        lambda: len(celery_app.control.ping(timeout=1, limit=count)) >= count,
        60,
        f"{count} worker(s) to start",
    )


def test_one_transactions_emails_go_out_in_chunks_over_one_smtp_connection_each(
    workers, redis_server, smtp
):
    workers.start()
    addresses = [f"person{i}@council.example" for i in range(CHUNK + 10)]
    with publishing_to(redis_server.url):
        wait_for_workers(1)
        with transaction.atomic():
            rows = [queue_for(address, f"chunk:{address}") for address in addresses]
    wait_for(lambda: set(statuses(*rows)) == {"sent"}, 60, "every email to be sent")
    time.sleep(1)
    assert sorted(m["To"] for m in smtp.accepted) == sorted(addresses), workers.logs()
    assert smtp.connections == 2  # one per chunk, not one per email


def test_two_workers_given_the_same_chunk_send_each_email_once(workers, redis_server, smtp):
    from forum_app.tasks import send_notifications

    workers.start()
    workers.start()
    rows = [
        Notification.objects.create(
            kind="membership_approved",
            email=f"race{i}@council.example",
            dedupe_key=f"race{i}",
            context={"forum": "Children's Practitioner Forum", "link": "http://x/f/childrens/"},
        )
        for i in range(30)
    ]
    with publishing_to(redis_server.url):
        wait_for_workers(2)
        ids = [row.pk for row in rows]
        send_notifications.delay(ids)
        send_notifications.delay(ids)  # a duplicate delivery, as after a broker hiccup
    wait_for(lambda: set(statuses(*rows)) == {"sent"}, 60, "every email to be sent")
    time.sleep(2)
    assert len(smtp.accepted) == 30, workers.logs()
    assert len({m["To"] for m in smtp.accepted}) == 30
    assert Notification.objects.filter(status="sent", attempts=1).count() == 30


def test_a_chunk_with_a_refused_and_a_flaky_address_sends_the_rest_and_retries_once(
    workers, redis_server, smtp
):
    smtp.reject.add("gone@council.example")
    smtp.fail_times["flaky@council.example"] = 1
    workers.start(beat=True, NOTIFICATION_RETRY_BASE_SECONDS="1", NOTIFICATION_SWEEP_SECONDS="1")
    order = ["first", "gone", "second", "flaky", "third"]
    with publishing_to(redis_server.url), transaction.atomic():
        rows = [queue_for(f"{name}@council.example", name) for name in order]
    wait_for(
        lambda: statuses(*rows) == ["sent", "failed", "sent", "sent", "sent"],
        90,
        "the chunk and its retry to finish",
    )
    time.sleep(1)
    for name in ["first", "second", "third", "flaky"]:
        assert len(smtp.to(f"{name}@council.example")) == 1, workers.logs()
    assert smtp.to("gone@council.example") == []
    gone, flaky = (Notification.objects.get(dedupe_key=key) for key in ["gone", "flaky"])
    assert (gone.attempts, flaky.attempts) == (1, 2)
    assert "550" in gone.last_error
