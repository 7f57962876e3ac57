"""Receipt codes: the anonymous raiser's only key to their issue, and the limits on guessing.

A code carries 160 random bits (32 letters, in eight groups of four), is shown once and kept
only as a SHA-256 hash.

Wrong guesses are limited without naming anyone and without punishing everyone who shares
an address (a council's staff usually reach the forum through one address):

- **Per part of the code.** Each wrong code is counted against each of its eight groups of
  four letters. Someone who knows part of a raiser's code (seen over a shoulder, half a
  photo) and guesses the rest repeats the parts they know in every guess, so after
  ``PART_LIMIT`` wrong codes sharing a part in the hour, every code with that part is
  refused unchecked, the right one too, until the hour ends. Guessing blind instead means
  getting at least eight letters (40 bits) right at once. A colleague's code shares no part
  with the guesser's, so it still opens its issue.
- **Per address.** An address that sends more than ``ADDRESS_LIMIT`` wrong codes in the hour
  is told to slow down. Its wrong codes still count against their parts (otherwise using up
  the allowance first would switch the part limit off); a right code still opens its issue.

Counts live in the cache (in the database while Redis is down) for the hour they belong to.
They hold no account, no code and no issue: an address's count is keyed by a keyed digest of
the address, and a part's count by 14 bits of a keyed digest of the part, which 64 possible
parts share, so the counts cannot be turned back into anyone's code. Making every code wait
would take about 160,000 wrong codes in an hour (45 a second), more than the server answers
besides its other work. A right code writes nothing.
"""

import base64
import datetime
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest

from forum_app.crypto import data_keys

RECEIPT_BYTES = 20


def new_receipt() -> str:
    """Return a fresh code like ``ABCD-EFGH-…``: 32 base32 letters in groups of four."""
    return _grouped(secrets.token_bytes(RECEIPT_BYTES))


def _grouped(raw: bytes) -> str:
    letters = base64.b32encode(raw).decode()
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def receipt_for_submission(submission: str) -> str:
    """The receipt code for an anonymous raise sent with this one-time form token.

    Derived (keyed with a secret that is not in the database) rather than random, so a form
    sent twice, by Back or refresh, shows the same code, and nothing that could rebuild the
    code needs to be stored while the issue waits to appear.
    """
    key = hashlib.sha256(b"receipt:" + data_keys()[0]).digest()
    return _grouped(hmac.new(key, submission.encode(), hashlib.sha256).digest()[:RECEIPT_BYTES])


def new_submission() -> str:
    """A one-time token for a form that creates something (kept in the form, not stored)."""
    return secrets.token_hex(16)


def is_submission(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{32}", value or ""))


def submission_hash(submission: str) -> str:
    return hashlib.sha256(b"submission:" + submission.encode()).hexdigest()


def normalise(code: str) -> str:
    """Ignore case, spaces and dashes, so a code copied by hand still matches."""
    return re.sub(r"[^A-Z2-7]", "", code.upper())


def receipt_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


FEED_BYTES = 20


def feed_token(code: str) -> str:
    """The secret in an anonymous raiser's feed address, derived from their receipt code.

    A keyed digest (the key is not in the database): the address does not reveal the code,
    and nobody can work out a feed's address without both the code and the key. Reading
    the feed gives the issue's story only, never the right to add updates.
    """
    key = hashlib.sha256(b"feed:" + data_keys()[0]).digest()
    digest = hmac.new(key, normalise(code).encode(), hashlib.sha256).digest()[:FEED_BYTES]
    return base64.b32encode(digest).decode().lower()


def feed_lookup(token: str) -> str:
    """What the issue keeps to find its feed: a keyed digest of the token, not the token.

    Keyed, so someone who reads the database and an access log together cannot match a
    feed address in the log to its issue without the key as well.
    """
    key = hashlib.sha256(b"feed-lookup:" + data_keys()[0]).digest()
    return hmac.new(key, token.lower().encode(), hashlib.sha256).hexdigest()


def _client_address(request: HttpRequest) -> str:
    """The client's address as the sign-in limits see it (honours TRUSTED_PROXY_COUNT)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        return request.META.get("REMOTE_ADDR", "")


WINDOW_SECONDS = 60 * 60
PART_LETTERS = 4
PART_LIMIT = 10
ADDRESS_LIMIT = 30
PART_DIGEST_BITS = 14


def _digest(purpose: str, value: str) -> str:
    key = f"{settings.SECRET_KEY}:receipt-limits:{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


def _part_keys(code: str, window: int) -> list[str]:
    """One count per group of four letters of a full-length code (none for other lengths)."""
    letters = normalise(code)
    if len(letters) != RECEIPT_BYTES * 8 // 5:
        return []
    keys = []
    for index in range(0, len(letters), PART_LETTERS):
        part = letters[index : index + PART_LETTERS]
        bucket = int(_digest("part", f"{index}:{part}"), 16) >> (256 - PART_DIGEST_BITS)
        keys.append(f"receipts:part:{window}:{index // PART_LETTERS}:{bucket:04x}")
    return keys


def _address_key(request: HttpRequest, window: int) -> str:
    return f"receipts:address:{window}:{_digest('address', _client_address(request))[:24]}"


def _count(key: str) -> None:
    cache.add(key, 0, 2 * WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, 2 * WINDOW_SECONDS)


def _window_ends(window: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=datetime.UTC)


@dataclass(frozen=True)
class Refusal:
    """A code not checked, or an address told to slow down, until the hour's counts end."""

    until: datetime.datetime


def code_refused(code: str, *, now: float | None = None) -> Refusal | None:
    """Refuse ``code`` unchecked if one of its parts was guessed wrong too often this hour.

    Decided before looking the code up, so the answer is the same for a right code and a
    wrong one and tells a guesser nothing.
    """
    window = _window(now)
    keys = _part_keys(code, window)
    counts = cache.get_many(keys) if keys else {}
    if any((count or 0) >= PART_LIMIT for count in counts.values()):
        return Refusal(until=_window_ends(window))
    return None


def wrong_code(request: HttpRequest, code: str, *, now: float | None = None) -> Refusal | None:
    """Count a code that matched nothing; a refusal if its address must now slow down."""
    window = _window(now)
    for key in _part_keys(code, window):
        _count(key)
    address = _address_key(request, window)
    if (cache.get(address) or 0) >= ADDRESS_LIMIT:
        return Refusal(until=_window_ends(window))
    _count(address)
    return None
