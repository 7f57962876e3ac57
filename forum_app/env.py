"""Typed readers for settings that come from the environment.

Each helper fails loudly (ImproperlyConfigured) on a value it cannot read, so a typo in a
deployment stops the app at start-up instead of changing its behaviour quietly.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

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
