"""Where anonymous issues and updates wait, outside the database, before they appear.

Whoever can read the database can place every row in time: transaction ids (PostgreSQL's
``xmin``) rise in the order of commits, and the rows around an anonymous issue (other
people's named issues, comments, supports, emails) carry times. Written when it is raised, an
anonymous issue would be placed within seconds of the raise, and the people active in those
seconds are a short list.

So raising (or updating) anonymously writes nothing to the database. The issue waits here,
in Redis (held in memory: the compose file keeps nothing of Redis on disk) or, without Redis,
in this process. It holds no person and no time of raising, only the moment it is due: a
random moment within the forum's window (30 minutes by default). The sweeper publishes it
when it is due (``issues.services.anonymous_publish_due``). What the database then shows is a
time up to half an hour after the raise, which anyone who used the forum in that half hour
could have written.

The cost: an issue still waiting is lost if Redis restarts. ``manage.py publish_anonymous``
publishes everything waiting at once (run it before a planned restart of Redis).
"""

import json
import threading
from functools import cache
from typing import Protocol

import redis
from django.conf import settings


class WaitingRoomUnavailable(Exception):
    """Redis did not answer, so nothing could be put in (or taken from) the waiting room."""


class Room(Protocol):
    def add(self, key: str, item: dict) -> bool: ...

    def items(self) -> dict[str, dict]: ...

    def remove(self, key: str) -> None: ...

    def clear(self) -> None: ...


class MemoryRoom:
    """The embedded default: one process (``manage.py run_embedded``) serves and publishes."""

    def __init__(self) -> None:
        self._items: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, key: str, item: dict) -> bool:
        with self._lock:
            if key in self._items:
                return False
            self._items[key] = json.dumps(item)
            return True

    def items(self) -> dict[str, dict]:
        with self._lock:
            return {key: json.loads(value) for key, value in self._items.items()}

    def remove(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class RedisRoom:
    """One Redis hash: field = hash of the form's one-time token, value = the waiting item.

    A hash keeps no time per field, and every call gives up after about a second.
    """

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def _call(self, method: str, *args):
        try:
            return getattr(self.client, method)(self.name, *args)
        except redis.RedisError as error:
            raise WaitingRoomUnavailable(str(error)) from error

    def add(self, key: str, item: dict) -> bool:
        return bool(self._call("hsetnx", key, json.dumps(item)))

    def items(self) -> dict[str, dict]:
        return {k.decode(): json.loads(v) for k, v in self._call("hgetall").items()}

    def remove(self, key: str) -> None:
        self._call("hdel", key)

    def clear(self) -> None:
        try:
            self.client.delete(self.name)
        except redis.RedisError as error:
            raise WaitingRoomUnavailable(str(error)) from error


@cache
def _room(redis_url: str, name: str) -> Room:
    return RedisRoom(redis_url, name) if redis_url else MemoryRoom()


def room() -> Room:
    """The waiting room for this installation (one per database, so test runs never mix)."""
    name = f"swf:{settings.DATABASES['default']['NAME']}:anonymous-waiting"
    return _room(settings.REDIS_URL or "", name)
