"""Brief PDF render times: a short brief and a long one, from a theme of the large forum.

Each render runs in a fresh process so its peak memory (VmHWM) is the render's own, plus
Django's start-up.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUOTES_FOR = {"short": 8, "long": 245}  # about 3 and 30 pages
QUOTE = (
    "Most of us in the assessment team are holding 28 to 34 children. The agreed maximum "
    "was 22. Visits are slipping and statutory timescales are being missed because there is "
    "no time to write up; we stay late to keep records safe and still fall behind."
)


def brief_snapshot_for(world: dict) -> dict:
    """A draft brief on a 100-issue theme of the seeded forum, as the JSON its PDF renders."""
    from django.utils import timezone

    from escalations.services.briefs import brief_create, brief_snapshot
    from meetings.models import Theme, ThemeIssue

    forum = world["forum"]
    theme = Theme.objects.create(forum=forum, name="Caseloads above the agreed maximum")
    ThemeIssue.objects.bulk_create(
        [ThemeIssue(theme=theme, issue_id=pk) for pk in world["issue_ids"][:100]]
    )
    brief = brief_create(forum=forum, actor=world["convenors"][0], theme=theme)
    return brief_snapshot(brief, version=1, sent_at=timezone.now())


def count_pages(pdf: bytes) -> int | None:
    """Pages in a PDF, read by poppler's pdfinfo (None when it is not installed)."""
    if not shutil.which("pdfinfo"):
        return None
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return int(info.decode().split("Pages:")[1].split()[0])


def render_once(snapshot_file: str) -> None:
    """Child process: render one snapshot and print seconds, pages and peak memory."""
    import django

    django.setup()
    from escalations.pdf import render_brief_html, render_brief_pdf

    snapshot = json.loads(Path(snapshot_file).read_text())
    started = time.perf_counter()
    pdf = render_brief_pdf(render_brief_html(snapshot))
    seconds = time.perf_counter() - started
    status = Path("/proc/self/status").read_text()
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    pages = count_pages(pdf)
    print(json.dumps({"seconds": round(seconds, 2), "pages": pages, "peak_mb": peak_kb // 1024}))


def brief_pdf_timings(world: dict) -> dict:
    base = brief_snapshot_for(world)
    figures = {}
    for name, quotes in QUOTES_FOR.items():
        snapshot = {**base, "quotes": [QUOTE] * quotes}
        path = ROOT / "var" / f"bench-brief-{name}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(snapshot))
        result = subprocess.run(
            [sys.executable, "-m", "bench.briefs", str(path)],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            figures[name] = {"error": result.stderr.strip().splitlines()[-1:]}
            continue
        figures[name] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["targets"] = {"3_pages_seconds": 1.5, "30_pages_seconds": 10, "peak_mb": 300}
    return figures


if __name__ == "__main__":
    render_once(sys.argv[1])
