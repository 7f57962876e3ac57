"""Steward export timings: a year of a large forum as CSV, XLSX and the PDF summary.

``export_timings(world)`` takes a world from ``bench.seed.seed_forum``. On its own,
``python -m bench.exports`` seeds a 10,000-issue forum into its own PostgreSQL database
(BENCH_EXPORTS_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/swf_sum_bench)
and prints the figures.
"""

import json
import os
import time
from datetime import timedelta

TARGET_SECONDS = {"csv": 5, "xlsx": 5, "pdf": 15}


def export_timings(world: dict) -> dict:
    """Seconds to build each export format for the forum's last 365 days, with file sizes."""
    from django.utils import timezone

    from summaries.exports import export_file

    forum = world["forum"]
    end = timezone.localdate()
    start = end - timedelta(days=365)
    figures: dict = {"issues": len(world["issue_ids"])}
    for format, target in TARGET_SECONDS.items():
        started = time.perf_counter()
        made = export_file([forum], start, end, format)
        seconds = time.perf_counter() - started
        figures[format] = {
            "seconds": round(seconds, 2),
            "bytes": len(made.content),
            "target_seconds": target,
        }
    return figures


def main() -> None:
    from bench.__main__ import production_env, recreate_database

    url = os.environ.get(
        "BENCH_EXPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/swf_sum_bench"
    )
    os.environ.update({**production_env(), "DATABASE_URL": url, "REDIS_URL": ""})

    import bench.__main__ as runner

    runner.DATABASE_URL = url
    recreate_database()

    import django

    django.setup()
    from django.core.management import call_command

    from bench.seed import seed_forum

    call_command("migrate", verbosity=0)
    world = seed_forum(slug="large", issues=10_000, members=1000)
    print(json.dumps(export_timings(world), indent=2))


if __name__ == "__main__":
    main()
