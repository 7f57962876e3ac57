"""A monthly meeting at its peak: 150 members poll the live page every 3 s while all 150
cast their ballots, spread over 10 s. Loopback only, bounded (at most ~25 s).

Targets: every ballot counted; ballot p95 under 300 ms; idle poll (304) p95 under 30 ms.
"""

import http.client
import random
import secrets
import threading
import time
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from bench.load import _percentile
from bench.pages import Target, session_cookie
from meetings.models import Attendance, BallotReceipt, Meeting, Phase, Theme, ThemeTally
from meetings.services.ballots import field_for

VOTERS = 150
THEMES = 10


def seed_live_meeting(world: dict) -> dict:
    """A meeting in its voting phase with 10 themes on the ballot and 150 attendees."""
    forum = world["forum"]
    now = timezone.now()
    meeting = Meeting.objects.create(
        forum=forum,
        title="Bench meeting",
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(minutes=60),
        phase=Phase.VOTE,
    )
    themes = Theme.objects.bulk_create(
        [Theme(forum=forum, name=f"Bench theme {i}") for i in range(THEMES)]
    )
    ThemeTally.objects.bulk_create([ThemeTally(meeting=meeting, theme=t) for t in themes])
    voters = world["members"][:VOTERS]
    Attendance.objects.bulk_create([Attendance(meeting=meeting, user=u) for u in voters])
    return {"meeting": meeting, "themes": themes, "voters": voters}


def live_targets(world: dict, live: dict) -> list[Target]:
    member = {"Cookie": session_cookie(world["members"][0])}
    path = live["meeting"].get_absolute_url() + "live/"
    return [
        Target("meeting_live_200", path, member),
        Target("meeting_live_304", path, {**member, "If-None-Match": "__ETAG__"}, expect=304),
    ]


def run(port: int, world: dict, live: dict, *, seconds: float = 20.0) -> dict:
    """Poll and vote as 150 members at once; check every ballot was counted exactly."""
    meeting, themes = live["meeting"], live["themes"]
    live_path = meeting.get_absolute_url() + "live/"
    vote_path = meeting.get_absolute_url() + "vote/"
    rng = random.Random(3)
    polls_304: list[float] = []
    polls_200: list[float] = []
    ballots: list[float] = []
    errors: list[str] = []
    expected_dots = 0
    plans = []
    for voter in live["voters"]:
        allocation = {t.pk: 0 for t in themes}
        budget = meeting.dots_per_person
        while budget:
            theme = rng.choice(themes)
            if allocation[theme.pk] < meeting.max_dots_per_theme:
                allocation[theme.pk] += 1
                budget -= 1
        expected_dots += sum(allocation.values())
        token = secrets.token_hex(16)
        cookie = f"{session_cookie(voter)}; csrftoken={token}"
        plans.append((cookie, token, allocation, rng.uniform(0, 10), rng.uniform(0, 3)))
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds

    def send(conn, method: str, path: str, body: str | None, headers: dict):
        """One request; a keep-alive connection the server closed is reopened once."""
        for attempt in (1, 2):
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                return conn, response
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                if attempt == 2 or method != "GET":
                    raise
        raise AssertionError("unreachable")

    def member(cookie: str, token: str, allocation: dict, vote_at: float, offset: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        etag = None
        voted = False
        next_poll = started + offset
        while time.perf_counter() < deadline:
            now = time.perf_counter()
            try:
                if not voted and now - started >= vote_at:
                    body = "&".join(
                        [f"csrfmiddlewaretoken={token}"]
                        + [f"{field_for(pk)}={dots}" for pk, dots in allocation.items()]
                    )
                    headers = {
                        "Cookie": cookie,
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Referer": f"http://127.0.0.1:{port}{vote_path}",
                    }
                    # A ballot goes on a fresh connection: a POST is never sent twice.
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                    t0 = time.perf_counter()
                    conn, response = send(conn, "POST", vote_path, body, headers)
                    with lock:
                        ballots.append((time.perf_counter() - t0) * 1000)
                        if response.status != 302:
                            errors.append(f"ballot answered {response.status}")
                    voted = True
                    continue
                if now >= next_poll:
                    headers = {"Cookie": cookie}
                    if etag:
                        headers["If-None-Match"] = etag
                    t0 = time.perf_counter()
                    conn, response = send(conn, "GET", live_path, None, headers)
                    elapsed = (time.perf_counter() - t0) * 1000
                    with lock:
                        if response.status == 304:
                            polls_304.append(elapsed)
                        elif response.status == 200:
                            polls_200.append(elapsed)
                            etag = response.getheader("ETag") or etag
                        else:
                            errors.append(f"poll answered {response.status}")
                    next_poll += 3
                    continue
            except (http.client.HTTPException, OSError) as error:
                with lock:
                    errors.append(f"{type(error).__name__}")
                voted = True
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                continue
            time.sleep(0.02)
        conn.close()

    threads = [threading.Thread(target=member, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    receipts = BallotReceipt.objects.filter(meeting=meeting).count()
    counted = ThemeTally.objects.filter(meeting=meeting).aggregate(n=Sum("dots"))["n"] or 0

    def stats(values: list[float]) -> dict:
        ordered = sorted(values)
        return {
            "count": len(ordered),
            "p50_ms": round(_percentile(ordered, 0.5), 1),
            "p95_ms": round(_percentile(ordered, 0.95), 1),
        }

    return {
        "voters": VOTERS,
        "receipts": receipts,
        "dots_cast": expected_dots,
        "dots_counted": counted,
        "every_ballot_counted": receipts == VOTERS and counted == expected_dots,
        "ballot": stats(ballots),
        "poll_304": stats(polls_304),
        "poll_200": stats(polls_200),
        "errors": errors[:5],
        "error_count": len(errors),
        "targets": {"ballot_p95_ms": 300, "poll_304_p95_ms": 30},
    }
