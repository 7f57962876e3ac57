"""Turning an outbox row into an email: templates, footer links and headers."""

import hashlib
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from forum_app.models import Notification
from forum_app.notifications.kinds import kind_for

UNSUBSCRIBE_SALT = "forum_app.notifications.unsubscribe"

# A file to attach to emails of a kind: (filename, content, mimetype), or None for none.
# The app that owns a kind registers its builder (meetings attach the calendar file), so
# this module never imports a feature app.
Attachment = tuple[str, str | bytes, str]
_ATTACHMENTS: dict[str, Callable[[Notification], Attachment | None]] = {}


def register_attachment(kind: str, builder: Callable[[Notification], Attachment | None]) -> None:
    _ATTACHMENTS[kind] = builder


@cache
def _text_engine() -> DjangoTemplates:
    """Templates for subjects and plain-text bodies: nothing there is HTML, so no escaping."""
    return DjangoTemplates(
        {
            "NAME": "email_text",
            "DIRS": settings.TEMPLATES[0]["DIRS"],
            "APP_DIRS": True,
            "OPTIONS": {"autoescape": False},
        }
    )


def render_text(template_name: str, context: dict[str, Any]) -> str:
    return _text_engine().get_template(template_name).render(context)


def render_subject(kind: str, context: dict[str, Any]) -> str:
    return " ".join(render_text(f"emails/{kind}.subject.txt", context).split())


def unsubscribe_token(user_pk: int, kind: str) -> str:
    return signing.dumps({"u": user_pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The (user id, kind) a token was made for; raises ``signing.BadSignature`` if forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return int(data["u"]), str(data["k"])


def unsubscribe_url(user_pk: int, kind: str) -> str:
    token = unsubscribe_token(user_pk, kind)
    return settings.SITE_URL + reverse("notification_unsubscribe", args=[token])


def _message_id(row: Notification) -> str:
    """The same Message-ID for every attempt, so a receiving server can drop a repeat."""
    domain = urlparse(settings.SITE_URL).hostname or "localhost"
    digest = hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:16]
    return f"<notification-{row.pk}-{digest}@{domain}>"


def email_context(row: Notification) -> dict[str, Any]:
    kind = kind_for(row.kind)
    context: dict[str, Any] = {
        **row.context,
        "site_url": settings.SITE_URL,
        "kind": row.kind,
        "kind_label": kind.label,
        "preferences_url": "",
        "unsubscribe_url": "",
    }
    if row.recipient_id is not None:
        context["preferences_url"] = settings.SITE_URL + reverse("notification_preferences")
        if kind.can_turn_off:
            context["unsubscribe_url"] = unsubscribe_url(row.recipient_id, row.kind)
    return context


def render_email(row: Notification) -> EmailMultiAlternatives:
    """The email for one outbox row, with a plain-text body and an HTML alternative."""
    context = email_context(row)
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_subject(row.kind, context)
        text = render_text(f"emails/{row.kind}.txt", context)
        html = render_to_string(f"emails/{row.kind}.html", context)
    headers = {"Message-ID": _message_id(row), "Auto-Submitted": "auto-generated"}
    if context["unsubscribe_url"]:
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(subject=subject, body=text, to=[row.email], headers=headers)
    message.attach_alternative(html, "text/html")
    builder = _ATTACHMENTS.get(row.kind)
    attachment = builder(row) if builder else None
    if attachment:
        message.attach(*attachment)
    return message
