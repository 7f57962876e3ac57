"""The embedded scheduler: Celery beat's schedule, run in a thread when there is no broker.

``make run`` has no Redis, so no beat or worker. This thread reads the same
``app.conf.beat_schedule`` and runs each job in-process when it falls due, so the sweeper and
the digests behave as they do in production.
"""

import logging
import threading
from datetime import datetime

from django.db import close_old_connections

from forum_app.celery import app

logger = logging.getLogger(__name__)


class EmbeddedScheduler(threading.Thread):
    def __init__(self, interval: float = 15.0) -> None:
        super().__init__(name="embedded-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()
        self.last_run: dict[str, datetime] = {}

    def run_due(self) -> list[str]:
        """Run every job that is due now; returns their names."""
        # Celery finds the apps' tasks modules lazily (autodiscover); a worker imports them as
        # it starts, this thread must do the same before it can look a task up by name.
        app.loader.import_default_modules()
        ran = []
        for name, entry in app.conf.beat_schedule.items():
            schedule = entry["schedule"]
            last = self.last_run.setdefault(name, schedule.now())
            if not schedule.is_due(last).is_due:
                continue
            self.last_run[name] = schedule.now()
            try:
                app.tasks[entry["task"]](*entry.get("args", ()), **entry.get("kwargs", {}))
            except Exception:
                logger.exception("Scheduled job %s failed; it runs again at its next time.", name)
            ran.append(name)
        return ran

    def run(self) -> None:
        from forum_app.notifications import outbox_sweep

        try:
            outbox_sweep()  # Send whatever waited while the app was stopped.
        except Exception:
            logger.exception("The first sweep failed; the next one runs within a minute.")
        while not self.stopped.wait(self.interval):
            close_old_connections()
            self.run_due()
            close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
