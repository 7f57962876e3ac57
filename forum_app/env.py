"""Typed readers for settings that come from the environment.

Each helper fails loudly (ImproperlyConfigured) on a value it cannot read, so a typo in a
deployment stops the app at start-up instead of changing its behaviour quietly.
"""

import base64
import binascii
import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_secret(name: str) -> str:
    """``NAME``, or the contents of the file that ``NAME_FILE`` names (a container secret).

    Setting both is a mistake and stops the app, as does a file that cannot be read.
    """
    value = env_str(name)
    path = env_str(f"{name}_FILE")
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if not path:
        return value
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ImproperlyConfigured(
            f"{name}_FILE names {path!r}, which cannot be read: {error.strerror}."
        ) from None


ED25519_KEY_BYTES = 32


def ed25519_key_bytes(name: str, value: str) -> bytes:
    """The 32 raw bytes of an Ed25519 key written in base64, or ImproperlyConfigured."""
    text = value.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != ED25519_KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} must be an Ed25519 key of {ED25519_KEY_BYTES} bytes written in base64, "
            'e.g. from: python -c "import base64, os; '
            'print(base64.b64encode(os.urandom(32)).decode())"'
        )
    return raw


def development_signing_key(secret_key: str) -> str:
    """A brief-signing key derived from ``secret_key``, so a local demo needs no set-up.

    Only for DEBUG and tests: production must set its own key (see docs/security.md).
    """
    seed = hashlib.sha256(b"social-work-forum brief signing\n" + secret_key.encode()).digest()
    return base64.b64encode(seed).decode()


def email_settings(url: str) -> dict[str, object]:
    """Django's MAILERS setting from one URL.

    ``smtp://user:password@host:587?tls=1`` (or ``smtps://`` for implicit TLS),
    ``console://`` prints messages, ``file:///path`` writes each to a file, ``memory://``
    keeps them in ``django.core.mail.outbox``.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    backends = "django.core.mail.backends."
    if scheme == "console":
        return {"BACKEND": backends + "console.EmailBackend"}
    if scheme == "memory":
        return {"BACKEND": backends + "locmem.EmailBackend"}
    if scheme == "file":
        return {
            "BACKEND": backends + "filebased.EmailBackend",
            "OPTIONS": {"file_path": parsed.path},
        }
    if scheme in {"smtp", "smtps"}:
        if not parsed.hostname:
            raise ImproperlyConfigured("EMAIL_URL needs a host, e.g. smtp://relay.example:25")
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "BACKEND": backends + "smtp.EmailBackend",
            "OPTIONS": {
                "host": parsed.hostname,
                "port": parsed.port or (465 if scheme == "smtps" else 25),
                "username": unquote(parsed.username or ""),
                "password": unquote(parsed.password or ""),
                "use_ssl": scheme == "smtps",
                "use_tls": query.get("tls", "0").lower() in _TRUE,
                "timeout": 10,
            },
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not supported: use smtp, smtps, console, file or memory."
    )


def redis_database(url: str, offset: int) -> str:
    """``url`` pointing at the Redis database ``offset`` numbers after the one it names."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + offset}"))
