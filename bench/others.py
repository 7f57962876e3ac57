"""Figures other than page timings: background fan-out, similarity, ballots, PDFs, exports."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed_extra(world: dict) -> None:
    """Seed what later stages of the cycle add to a forum (meetings, briefs, pulse)."""
    from bench import meeting_load

    world["live"] = meeting_load.seed_live_meeting(world)
    world["extra_targets"] = meeting_load.live_targets(world, world["live"])


def notifications_fanout() -> dict:
    env = {**os.environ, "DEBUG": "1"}
    env["DATABASE_URL"] = env.get("BENCH_NOTIFY_DATABASE_URL", env["DATABASE_URL"] + "_notify")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.notifications_fanout"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return {"error": "the fan-out and its floor took over 600 s"}
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1:]}
    return json.loads(result.stdout[result.stdout.index("{") :])


def suggest_groups(world: dict) -> dict:
    """Suggestions for 500 ungrouped issues against 300 labelled themes (~3,000 issues)."""
    from issues.models import Issue
    from issues.similarity import Doc, TfidfEngine

    rows = list(
        Issue.objects.filter(forum=world["forum"])
        .order_by("pk")
        .values_list("pk", "title", "body", "category__name")[:3500]
    )
    labelled = [
        Doc(key=pk, text=f"{title}\n{body}", category=cat, label=f"theme-{i % 300}")
        for i, (pk, title, body, cat) in enumerate(rows[:3000])
    ]
    ungrouped = [
        Doc(key=pk, text=f"{title}\n{body}", category=cat) for pk, title, body, cat in rows[3000:]
    ]
    engine = TfidfEngine()
    started = time.perf_counter()
    engine.fit(labelled + ungrouped)
    fitted = time.perf_counter()
    engine.suggest(ungrouped)
    done = time.perf_counter()
    return {
        "ungrouped": len(ungrouped),
        "themes": 300,
        "fit_seconds": round(fitted - started, 3),
        "suggest_seconds": round(done - fitted, 3),
        "target_seconds": 2,
    }


def similarity_fit(world: dict) -> dict:
    """Fitting the "similar issues" engine on 10,000 issues with their themes, as a web
    process does in a background thread (never in a request)."""
    from issues import similar

    started = time.perf_counter()
    engine, size = similar._fit(world["forum"].pk)
    return {
        "issues": size,
        "fit_limit": similar.FIT_LIMIT,
        "fit_seconds": round(time.perf_counter() - started, 3),
        "learned_temperature": engine.temperature,
        "target_seconds": 10,
    }


def measure(world: dict) -> dict:
    from bench.briefs import brief_pdf_timings
    from bench.exports import export_timings

    print("Measuring fan-out, similarity, brief PDFs and steward exports…", flush=True)
    return {
        "notifications_fanout_2000": notifications_fanout(),
        "suggest_groups_500": suggest_groups(world),
        "similarity_fit": similarity_fit(world),
        "brief_pdf": brief_pdf_timings(world),
        "steward_export_year": export_timings(world),
    }
