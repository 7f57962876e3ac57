"""What a meeting load run sets: where it runs, how many take part, for how long."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "load_results.json"
DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/swf_load")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/10")
ISSUES, PEOPLE = 2_000, 1_000

MEMBERS = 150
BROWSERS = 20
THEMES = 10
WINDOW = 60.0  # everyone joins and votes within this many seconds
JOIN_WITHIN = 10.0
POLL_EVERY = 3.0  # hx-trigger="every 3s" on the live section
THINK = (1.0, 3.0)  # a browsing member's pause between clicks
FILL_IN = (2.0, 8.0)  # time spent placing dots on the ballot
P95_LIMIT_MS = 500.0
RUN_LIMIT = 120.0
TIMEOUT = 15
# gunicorn closes a keep-alive connection idle for 2 s; an older one is not reused.
REUSE_WITHIN = 1.0

# Every kind of request a run must make; a kind never made means a client gave up early.
KINDS = {
    "meeting_page",
    "attend",
    "static",
    "live_poll_200",
    "live_poll_304",
    "vote_page",
    "vote",
    "issue_list",
    "issue_search",
    "issue_detail",
    "similar_issues",
    "me_too",
}

# Targets against the bare floor measured in the same run (issue 20).
P95_TO_BARE_LIMIT = 10.0
WEB_CORES_LIMIT = 0.6

INSTANCES = int(os.environ.get("INSTANCES", "1"))
WEB_CPUS = os.environ.get("WEB_CPUS", "")  # e.g. "0": the web servers on that core alone
FANOUT = 900  # emails queued as the meeting starts, one to each of 900 people
