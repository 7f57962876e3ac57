"""A monthly meeting under load: 150 members join, poll and vote within 60 s while 20 others
browse issues. Loopback only, headless, bounded (the run itself, seeding excluded, takes
under 2 minutes).

Each client does what a person's browser does: a member opens the meeting page (which
counts them as attending), fetches its static files once, polls the live section every
3 s with the ETag it holds (as htmx and static/js/meetings.js do), opens the ballot at a
random moment, fills it in and sends it with the page's CSRF token, then follows the
redirect back and polls on. A browsing member opens the issue list, filters it, pages
through it, searches, opens issues (whose "Similar issues" load afterwards) and sometimes
says "Me too" or withdraws it.

Pass: no errors (an unexpected status or a failed request), p95 under 500 ms overall and
for each kind of request, and totals that reconcile exactly with what the clients sent:
ballots, receipts, dots on each theme, attendance, supports and the meeting's version.

``make load`` runs it on its own forum (LOAD_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/swf_load; LOAD_REDIS_URL, default
redis://127.0.0.1:6379/10), prints a summary, writes bench/load_results.json and exits
non-zero when a criterion fails. ``make bench`` runs it against its large forum.
"""

from bench.meeting_load.figures import print_summary
from bench.meeting_load.run import live_targets, main, run, seed, seed_live_meeting

__all__ = ["live_targets", "main", "print_summary", "run", "seed", "seed_live_meeting"]
