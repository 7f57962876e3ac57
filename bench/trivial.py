"""The fan-out benchmark's floor: a Celery task that does next to nothing.

The worker imports this module only when the benchmark starts it (``--include``). Each task
adds one to a counter in Redis, so the benchmark knows when all of them have run.
"""

import redis
from celery import shared_task
from django.conf import settings

COUNTER = "bench:trivial:done"


@shared_task(name="bench.trivial.tick", ignore_result=True)
def tick() -> None:
    redis.Redis.from_url(settings.REDIS_URL).incr(COUNTER)
