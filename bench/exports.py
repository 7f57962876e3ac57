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
# The year's PDF within 10 s where a one-page render takes 0.1 s: at most 100 times it.
PDF_TO_ONE_PAGE_LIMIT = 100
ONE_PAGE = (
    "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>One page</title>"
    "<style>body{font-family:sans-serif}td,th{border:1px solid #999;padding:2px}</style>"
    "</head><body><h1>Summary</h1><p>One page, a heading and a small table.</p><table>"
    + "".join(f"<tr><th>Row {i}</th><td>{i * 7}</td><td>Open</td></tr>" for i in range(10))
    + "</table></body></html>"
)


def one_page_render_seconds() -> float:
    """The PDF floor: the median of five renders of a one-page document, after a first one
    (which loads the fonts)."""
    import statistics

    from weasyprint import HTML

    HTML(string=ONE_PAGE).write_pdf()
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        HTML(string=ONE_PAGE).write_pdf()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


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
    floor = one_page_render_seconds()
    figures["one_page_pdf_seconds"] = round(floor, 3)
    figures["pdf"]["ratio_to_one_page"] = round(figures["pdf"]["seconds"] / floor, 1)
    figures["pdf"]["target_ratio_to_one_page"] = PDF_TO_ONE_PAGE_LIMIT
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
