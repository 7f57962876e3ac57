"""Handing work to Celery workers without letting a broker outage reach a page.

Work handed off here is always recorded in the database first (an outbox row, a meeting
notice), and a periodic sweeper does whatever a worker never got. So a failed hand-off is
logged and forgotten. After one, this process leaves the broker alone for a few seconds: a
hung Redis then costs one request its timeout (about a second), not every request.
"""

import logging
import time

from celery import Task

logger = logging.getLogger(__name__)

BROKER_REST_SECONDS = 10.0
_resting_until = 0.0


def hand_off(task: Task, *args) -> bool:
    """Queue ``task(*args)`` for a worker; False if the broker could not take it now."""
    global _resting_until
    if task.app.conf.task_always_eager:
        try:  # No broker: the task runs here and now, and its failure must not end the page.
            task.apply_async(args=args)
        except Exception:
            logger.exception("%s failed; the sweeper will finish its work.", task.name)
            return False
        return True
    if time.monotonic() < _resting_until:
        return False
    try:
        task.apply_async(args=args)
    except Exception as error:
        _resting_until = time.monotonic() + BROKER_REST_SECONDS
        logger.warning(
            "Could not hand %s to a worker (%s); the sweeper will do it.",
            task.name,
            type(error).__name__,
        )
        return False
    return True


def broker_rest_end() -> None:
    """Try the broker again at the next hand-off (after it is known to be back)."""
    global _resting_until
    _resting_until = 0.0
