"""``make bench``: seed a large forum into PostgreSQL, serve it with gunicorn under production
settings, and measure pages, each against a floor page measured just before it, then run the
meeting load test (``bench/meeting_load/``), plus the other figures in ``bench/others.py``.

Writes bench/results.json and prints a summary table. Loopback only; every run is bounded.
Settings: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/swf_bench),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/9), BENCH_SECONDS (per run, default 8).
"""

import base64
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/swf_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
LARGE, SMALL = 10_000, 100


def production_env(database_url: str = "", redis_url: str = "") -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "BRIEF_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": "http://127.0.0.1",
        "DATABASE_URL": database_url or DATABASE_URL,
        "REDIS_URL": redis_url or REDIS_URL,
        "EMAIL_URL": "memory://",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "forum_app.settings",
    }


def recreate_database(url: str = "") -> None:
    import psycopg

    parsed = urlparse(url or DATABASE_URL)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise SystemExit(f"The benchmark needs PostgreSQL ({admin}): {error}") from None


def check_redis(url: str = "") -> None:
    import redis

    url = url or REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise SystemExit(f"The benchmark needs Redis ({url}): {error}") from None


def prepare(database_url: str = "", redis_url: str = "") -> None:
    """Production settings in this process, a fresh migrated database, collected static files."""
    os.environ.update(production_env(database_url, redis_url))
    check_redis(redis_url)
    recreate_database(database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ROOT_URLCONF = "bench.urls"  # the in-app floor page, as bench/wsgi.py serves it

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


WORKERS = 2


def start_gunicorn(
    port: int, app: str = "bench.wsgi", env: dict | None = None, cpus: str = ""
) -> subprocess.Popen:
    """gunicorn as the benchmark serves every page (the app, with the in-app floor, unless
    ``app`` names another WSGI module): 2 gthread workers of 8 threads.

    ``cpus`` (e.g. "0") pins the server and its workers to those cores with taskset.
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), app, "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", str(WORKERS), "--threads", "8"]
    command += ["--log-level", "warning"]
    if cpus:
        command = ["taskset", "-c", cpus, *command]
    server = subprocess.Popen(command, cwd=ROOT, env=env or os.environ.copy())
    deadline = time.monotonic() + 180  # a busy shared host can take a while
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn ({app}) did not start within 180 s.")


def stop(server: subprocess.Popen) -> None:
    """Stop a server or worker; a busy machine may need longer than its graceful timeout."""
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=20)


@contextmanager
def serving(cpus: str = "") -> Iterator[tuple[subprocess.Popen, int]]:
    """gunicorn on a free loopback port, with this process's settings; stopped afterwards."""
    port = free_port()
    server = start_gunicorn(port, cpus=cpus)
    try:
        yield server, port
    finally:
        stop(server)


@contextmanager
def serving_bare() -> Iterator[int]:
    """The bare floor (bench/bare), served the same way as the app, on its own port."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}
    server = start_gunicorn(port, app="bench.bare.wsgi", env=env)
    try:
        yield port
    finally:
        stop(server)


def worker_peak_rss_mb(master_pid: int) -> float:
    """The largest peak resident memory (VmHWM) among a master's child processes, in MB."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return round(max(peaks), 1) if peaks else 0.0


def current_etag(port: int, target) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", target.path, headers={"Cookie": target.headers["Cookie"]})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.getheader("ETag")


def wait_until_warm(port: int, target, timeout: float = 90) -> None:
    """Ask until every worker answers without the "still preparing" text (bounded)."""
    deadline = time.monotonic() + timeout
    ready_in_a_row = 0
    while time.monotonic() < deadline and ready_in_a_row < 10:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(target.method, target.path, body=target.body, headers=target.headers)
        body = connection.getresponse().read().decode()
        connection.close()
        ready_in_a_row = 0 if target.warm_until_absent in body else ready_in_a_row + 1
        time.sleep(0.2)
    if ready_in_a_row < 10:
        raise SystemExit(f"{target.name} was still preparing after {timeout:.0f} s.")


def measure(port: int, target) -> tuple:
    """Latency at 2 clients and throughput at 16, after a warm-up."""
    from bench import load

    request = load.Request(target.path, target.headers, target.expect, target.method, target.body)
    load.run(port, request, clients=2, seconds=2)  # warm-up
    if target.warm_until_absent:
        wait_until_warm(port, target)
    latency = load.run(port, request, clients=2, seconds=SECONDS)
    throughput = load.run(port, request, clients=16, seconds=SECONDS)
    if latency.errors or throughput.errors:
        print(f"  {target.name}: {latency.errors + throughput.errors} failed requests")
    return latency, throughput


# Targets against the bare floor (issue 20): p95 at 2 clients and throughput at 16.
P95_TO_BARE_LIMIT = 2.5
RPS_TO_BARE_FLOOR = 0.4


def page_row(page: tuple, floor: tuple, bare: tuple) -> dict:
    """A page's figures and its ratios to the in-app floor and the bare floor measured just
    before it."""
    (latency, throughput), (floor_latency, floor_throughput) = page, floor
    bare_latency, bare_throughput = bare
    p95_to_bare = round(latency.p95_ms / bare_latency.p95_ms, 2)
    rps_to_bare = round(throughput.rps / bare_throughput.rps, 2)
    return {
        "p50_ms": latency.p50_ms,
        "p95_ms": latency.p95_ms,
        "rps": round(throughput.rps, 1),
        "p95_ratio_to_floor": round(latency.p95_ms / floor_latency.p95_ms, 2),
        "rps_ratio_to_floor": round(throughput.rps / floor_throughput.rps, 2),
        "p95_ratio_to_bare": p95_to_bare,
        "rps_ratio_to_bare": rps_to_bare,
        "within_targets": p95_to_bare <= P95_TO_BARE_LIMIT and rps_to_bare >= RPS_TO_BARE_FLOOR,
        "floor_p95_ms": floor_latency.p95_ms,
        "floor_rps": round(floor_throughput.rps, 1),
        "bare_p95_ms": bare_latency.p95_ms,
        "bare_rps": round(bare_throughput.rps, 1),
        "requests": latency.requests + throughput.requests,
        "failed_requests": latency.errors + throughput.errors,
    }


def floor_row(runs: list[tuple], bare_runs: list[tuple] | None = None) -> dict:
    """A floor's median figures over its runs (one before each page), and their spread; the
    in-app floor's ratios to the bare floor are the medians of the run-by-run ratios."""
    p95s = [latency.p95_ms for latency, _ in runs]
    rps = [throughput.rps for _, throughput in runs]
    row = {
        "p50_ms": round(statistics.median(latency.p50_ms for latency, _ in runs), 2),
        "p95_ms": round(statistics.median(p95s), 2),
        "rps": round(statistics.median(rps), 1),
        "p95_ratio_to_floor": 1.0 if bare_runs else None,
        "rps_ratio_to_floor": 1.0 if bare_runs else None,
        "p95_ratio_to_bare": 1.0,
        "rps_ratio_to_bare": 1.0,
        "runs": len(runs),
        "p95_ms_range": [min(p95s), max(p95s)],
        "rps_range": [round(min(rps), 1), round(max(rps), 1)],
        "requests": sum(a.requests + b.requests for a, b in runs),
        "failed_requests": sum(a.errors + b.errors for a, b in runs),
    }
    if bare_runs:
        pairs = list(zip(runs, bare_runs, strict=True))
        row["p95_ratio_to_bare"] = round(
            statistics.median(f[0].p95_ms / b[0].p95_ms for f, b in pairs), 2
        )
        row["rps_ratio_to_bare"] = round(
            statistics.median(f[1].rps / b[1].rps for f, b in pairs), 2
        )
    return row


def _ratio(value: float | None) -> str:
    return f"{value:>9.2f}" if value is not None else f"{'–':>9}"


def print_table(results: dict) -> None:
    print()
    print(
        "Each page's ratios are to the in-app floor and the bare floor measured just before it.\n"
        f"Targets: p95 at most {P95_TO_BARE_LIMIT}× the bare floor's, throughput at least "
        f"{RPS_TO_BARE_FLOOR}× its."
    )
    header = f"{'page':<24}{'p50 ms':>8}{'p95 ms':>8}{'rps':>7}{'p95/fl':>9}{'rps/fl':>9}"
    print(header + f"{'p95/bare':>9}{'rps/bare':>9}{'bare p95':>9}{'bare rps':>9}  target")
    for name, row in results["pages"].items():
        bare_p95 = row.get("bare_p95_ms", results["pages"]["bare_floor"]["p95_ms"])
        bare_rps = row.get("bare_rps", results["pages"]["bare_floor"]["rps"])
        verdict = {True: "holds", False: "MISSED"}.get(row.get("within_targets"), "")
        print(
            f"{name:<24}{row['p50_ms']:>8.1f}{row['p95_ms']:>8.1f}{row['rps']:>7.1f}"
            f"{_ratio(row['p95_ratio_to_floor'])}{_ratio(row['rps_ratio_to_floor'])}"
            f"{_ratio(row['p95_ratio_to_bare'])}{_ratio(row['rps_ratio_to_bare'])}"
            f"{bare_p95:>9.1f}{bare_rps:>9.1f}  {verdict}"
        )
    for name in ("bare_floor", "floor"):
        floor = results["pages"][name]
        (low_p95, high_p95), (low_rps, high_rps) = floor["p95_ms_range"], floor["rps_range"]
        print(
            f"The {name.replace('_', ' ')} over its {floor['runs']} runs: p95 "
            f"{low_p95:.1f}–{high_p95:.1f} ms, {low_rps:.1f}–{high_rps:.1f} rps."
        )
    print()
    print(f"{'queries per page':<24}{SMALL:>9}{LARGE:>9}")
    for name, row in results["queries_per_page"].items():
        print(f"{name:<24}{row[str(SMALL)]:>9}{row[str(LARGE)]:>9}")
    print()
    for name, figures in results["other"].items():
        if name != "meeting_load":
            print(f"{name}: {json.dumps(figures)}")
    if "meeting_load" in results["other"]:
        from bench.meeting_load import print_summary

        print("\nmeeting_load:", end="")
        print_summary(results["other"]["meeting_load"])


def main() -> None:
    started = time.monotonic()
    prepare()

    from bench import meeting_load, others, pages
    from bench.seed import seed_forum, settle_database

    print("Seeding the large forum…", flush=True)
    large = seed_forum(slug="large", issues=LARGE, members=1000)
    small = seed_forum(slug="small", issues=SMALL, members=50, seed=11)
    others.seed_extra(large)
    others.seed_extra(small)
    meeting = meeting_load.seed(large)
    settle_database()
    print(f"Seeded in {time.monotonic() - started:.0f} s.", flush=True)

    results: dict = {"pages": {}, "queries_per_page": {}, "other": {}}
    targets = {size: pages.targets(world) for size, world in ((LARGE, large), (SMALL, small))}
    results["queries_per_page"] = pages.count_queries(targets, sizes=(SMALL, LARGE))

    with serving_bare() as bare_port, serving() as (server, port):
        floor_target, *measured = targets[LARGE]
        floor_runs, bare_runs = [], []
        for target in measured:
            if pages.needs_etag(target):
                target = pages.with_etag(target, current_etag(port, target))
            # Both floors are measured again right before each page, so that all three see the
            # same machine: on a shared host, speed drifts over the minutes a bench takes.
            bare = measure(bare_port, pages.BARE_FLOOR)
            bare_runs.append(bare)
            floor = measure(port, floor_target)
            floor_runs.append(floor)
            print(f"Measuring {target.name}…", flush=True)
            results["pages"][target.name] = page_row(measure(port, target), floor, bare)
        results["pages"] = {
            "bare_floor": floor_row(bare_runs),
            "floor": floor_row(floor_runs, bare_runs),
            **results["pages"],
        }
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")  # kept if a later part fails
        print("Running the meeting load test…", flush=True)
        bare_p95 = measure(bare_port, pages.BARE_FLOOR)[0].p95_ms
        results["other"]["meeting_load"] = meeting_load.run(
            port, large, meeting, server.pid, bare_p95_ms=bare_p95
        )
        results["other"]["web_worker_memory"] = {"peak_rss_mb": worker_peak_rss_mb(server.pid)}
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    results["other"].update(others.measure(large))
    results["other"]["bench_total_seconds"] = round(time.monotonic() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nWrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
