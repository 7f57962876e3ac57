"""The cache: Redis, and a table in the database whenever Redis cannot answer.

Most of what the cache holds can be lost (drawn charts, the dashboard's figures: they are
computed again). The counts behind the sign-in and receipt limits cannot: a limit that
vanished with Redis would invite guessing during every outage, and one that failed would
lock everyone out. So a call Redis does not answer within its timeout (about a second) is
made on the database's cache table instead, and the page carries on. After a failure this
process leaves Redis alone for ``REST_SECONDS``, so a hung Redis costs one request a second,
not every cache call of every request; then Redis is tried again and, once it answers, used
as before. Counts written to the table during an outage stay there until they expire. The
table is ``forum_app.models.CacheEntry``, made by a migration.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REST_SECONDS = 10.0
_resting_until: dict[str, float] = {}

# Every operation a cache offers (the rest of Django's cache API is built on these).
OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class FailoverRedisCache(RedisCache):
    """Django's Redis cache, falling back to the cache alias ``FALLBACK`` when Redis fails."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._fallback_alias = params.get("FALLBACK", "database")
        self._location = str(server)

    def _redis_is_resting(self) -> bool:
        return time.monotonic() < _resting_until.get(self._location, 0.0)

    def _rest(self, error: Exception) -> None:
        _resting_until[self._location] = time.monotonic() + REST_SECONDS
        logger.warning(
            "Redis did not answer (%s); the database holds the cache for %.0f s.",
            type(error).__name__,
            REST_SECONDS,
        )


def _failing_over(name: str):
    redis_operation = getattr(RedisCache, name)

    def operation(self: FailoverRedisCache, *args, **kwargs):
        if not self._redis_is_resting():
            try:
                return redis_operation(self, *args, **kwargs)
            except RedisError as error:  # includes its ConnectionError and TimeoutError
                self._rest(error)
        return getattr(caches[self._fallback_alias], name)(*args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = redis_operation.__doc__
    return operation


for _name in OPERATIONS:
    setattr(FailoverRedisCache, _name, _failing_over(_name))


def redis_rest_end() -> None:
    """Try Redis again at the next cache call (after it is known to be back)."""
    _resting_until.clear()
