"""Fan-out benchmark: queue 2,000 notifications and let ONE real Celery worker send them.

Needs PostgreSQL and Redis. By default it uses its own database and Redis DB:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/swf_bench_notify`` and
``REDIS_URL=redis://127.0.0.1:6379/5``. The worker sends to an in-memory mail backend, so
the figure is the app's own cost (queue, claim, render, mark sent), not a mail relay's.

    .venv/bin/python -m bench.notifications_fanout
"""

import base64
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/swf_bench_notify"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"


def _ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum_app.settings")
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("The fan-out benchmark needs PostgreSQL: set DATABASE_URL.")
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)


def _start_worker(log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "EMAIL_URL": "memory://",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 60,
        "BRIEF_SIGNING_KEY": base64.b64encode(b"b" * 32).decode(),
        "LOG_LEVEL": "WARNING",
    }
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), "-A", "forum_app", "worker", "--pool=solo", "--concurrency=1"]
    command += ["--include", "bench.trivial"]
    command += [
        "-l",
        os.environ.get("BENCH_WORKER_LOG", "warning"),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return subprocess.Popen(  # noqa: S603 — fixed arguments
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


@contextmanager
def counting(connection):
    """Count the queries run on ``connection`` (without Django's debug cursor overhead)."""
    count = [0]

    def wrapper(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def trivial_tasks(n: int) -> float:
    """Seconds for the same worker to run ``n`` trivial tasks, from the first one queued."""
    import redis
    from django.conf import settings

    from bench.trivial import COUNTER, tick
    from forum_app.celery import app

    counter = redis.Redis.from_url(settings.REDIS_URL)
    counter.delete(COUNTER)
    started = time.perf_counter()
    with app.producer_or_acquire() as producer:  # one connection, as a fan-out would use
        for _ in range(n):
            tick.apply_async(producer=producer)
    deadline = time.monotonic() + 120
    while int(counter.get(COUNTER) or 0) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    if int(counter.get(COUNTER) or 0) < n:
        raise SystemExit("The trivial tasks did not all run within 120 s.")
    return time.perf_counter() - started


def run(n: int = 2000) -> dict:
    """Queue ``n`` notifications in one transaction; time one worker sending them all."""
    _setup()
    from django.db import connection, transaction

    from forum_app.celery import app
    from forum_app.models import Notification, User
    from forum_app.notifications import CHUNK, deliver_many, notify

    Notification.objects.all().delete()
    app.control.purge()
    existing = User.objects.filter(email__startswith="bench-").count()
    User.objects.bulk_create(
        [User(email=f"bench-{i}@bench.example") for i in range(existing, n)], batch_size=500
    )
    people = list(User.objects.filter(email__startswith="bench-").order_by("pk")[:n])

    log = ROOT / "var" / "bench-notify-worker.log"
    log.parent.mkdir(exist_ok=True)
    worker = _start_worker(log)
    try:
        warm = notify(
            kind="membership_approved",
            email=people[0].email,
            recipient=people[0],
            dedupe_key="bench-warm-up",
            context={"forum": "Bench forum", "link": "http://127.0.0.1/"},
        )
        if not _wait_until(
            lambda: Notification.objects.filter(pk=warm.pk, sent_at__isnull=False).exists(), 60
        ):
            raise SystemExit(f"The worker did not start; see {log}.")
        # The floor, in the same run and on the same worker: n tasks that do next to nothing.
        trivial_seconds = trivial_tasks(n)

        started = time.perf_counter()
        with counting(connection) as queued_queries, transaction.atomic():
            for i, person in enumerate(people):
                notify(
                    kind="membership_approved",
                    email=person.email,
                    recipient=person,
                    dedupe_key=f"bench:{started}:{i}",
                    context={"forum": "Bench forum", "link": "http://127.0.0.1/f/bench/"},
                )
        queued = time.perf_counter()
        batch = Notification.objects.exclude(pk=warm.pk)
        all_sent = _wait_until(lambda: batch.filter(status="sent").count() >= n, 120)
        finished = time.perf_counter()
        sent = batch.filter(status="sent").count()
        worker_peak_mb = _peak_rss_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()

    # The worker runs deliver_many() on chunks; count its queries on the same code path here.
    extra = [
        notify(
            kind="membership_approved",
            email=p.email,
            recipient=None,
            dedupe_key=f"bench-count:{started}:{p.pk}",
            context={"forum": "Bench forum"},
        )
        for p in people[: 2 * CHUNK]
    ]
    per_chunk = []
    for chunk in (extra[:CHUNK], extra[CHUNK:]):
        with counting(connection) as send_queries:
            deliver_many([row.pk for row in chunk])
        per_chunk.append(round(send_queries[0] / len(chunk), 2))

    total = finished - started
    return {
        "notifications": n,
        "all_sent": all_sent,
        "sent": sent,
        "total_seconds": round(total, 2),
        "queue_seconds": round(queued - started, 2),
        "per_second": round(sent / total, 1) if total else None,
        "queue_queries_per_notification": round(queued_queries[0] / n, 2),
        "send_queries_per_notification": per_chunk,
        "trivial_tasks_seconds": round(trivial_seconds, 2),
        "ratio_to_trivial_tasks": round(total / trivial_seconds, 1),
        "target_ratio_to_trivial_tasks": 10,
        "worker_peak_rss_mb": worker_peak_mb,
        "worker": "celery solo pool, 1 process, Redis broker, in-memory mail backend",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
