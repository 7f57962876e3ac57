"""Receipt codes: the anonymous raiser's only key to their issue.

A code carries 160 random bits, is shown once and kept only as a SHA-256 hash. Wrong guesses
are counted per client address in the cache (never in the database) and limited.
"""

import base64
import hashlib
import hmac
import re
import secrets

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest

from forum_app.crypto import data_keys

RECEIPT_BYTES = 20
GUESS_LIMIT = 10
GUESS_WINDOW_SECONDS = 15 * 60


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


def _client_address(request: HttpRequest) -> str:
    """The client's address as the sign-in limits see it (honours TRUSTED_PROXY_COUNT)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        return request.META.get("REMOTE_ADDR", "")


def _guess_key(request: HttpRequest) -> str:
    return f"issues:receipt-misses:{_client_address(request)}"


def too_many_guesses(request: HttpRequest) -> bool:
    return (cache.get(_guess_key(request)) or 0) >= GUESS_LIMIT


def record_wrong_guess(request: HttpRequest) -> None:
    key = _guess_key(request)
    if not cache.add(key, 1, GUESS_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, GUESS_WINDOW_SECONDS)
