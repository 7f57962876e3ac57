"""The Celery app. Settings come from Django's (CELERY_*); periodic jobs are listed here.

Production runs ``celery -A forum_app worker`` and ``celery -A forum_app beat``. Without
REDIS_URL, ``manage.py run_embedded`` runs the same schedule in-process.
"""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab, schedule
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum_app.settings")

from django.conf import settings  # noqa: E402 — needs DJANGO_SETTINGS_MODULE

app = Celery("forum_app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The database says what is due; beat only wakes the sweeper. Expiry stops a backlog of
# sweeps piling up while no worker runs, yet leaves a busy worker ten seconds to reach one.
SWEEP_EVERY = schedule(run_every=timedelta(seconds=settings.NOTIFICATION_SWEEP_SECONDS))
SWEEP_EXPIRES = max(10, settings.NOTIFICATION_SWEEP_SECONDS - 5)
app.conf.beat_schedule = {
    "outbox-sweep": {
        "task": "forum_app.tasks.sweep_outbox",
        "schedule": SWEEP_EVERY,
        "options": {"expires": SWEEP_EXPIRES},
    },
    "meeting-notices-sweep": {
        "task": "meetings.tasks.sweep_meeting_notices",
        "schedule": SWEEP_EVERY,
        "options": {"expires": SWEEP_EXPIRES},
    },
    "voting-sweep": {
        "task": "meetings.tasks.sweep_voting",
        "schedule": SWEEP_EVERY,
        "options": {"expires": SWEEP_EXPIRES},
    },
    "anonymous-publish": {
        "task": "issues.tasks.publish_anonymous",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    "daily-digest": {
        "task": "forum_app.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
        "kwargs": {"period": "daily"},
        "options": {"expires": 3000},
    },
    "followups-sweep": {
        "task": "escalations.tasks.sweep_followups",
        "schedule": crontab(hour=8, minute=30),
        "options": {"expires": 3000},
    },
    "pulse-count": {
        "task": "summaries.tasks.count_pulse",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    "retention": {
        "task": "forum_app.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 3000},
    },
    "weekly-digest": {
        "task": "forum_app.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
        "kwargs": {"period": "weekly"},
        "options": {"expires": 3000},
    },
}


@worker_ready.connect
def sweep_when_a_worker_starts(sender, **kwargs) -> None:
    """A worker coming back after an outage sends what waited, without waiting for beat."""
    sender.app.send_task("forum_app.tasks.sweep_outbox", expires=SWEEP_EXPIRES)
