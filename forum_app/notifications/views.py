"""Pages about emails: your preferences, one-click unsubscribe, failed deliveries, and a
local mailbox for development."""

import email
import re
from email import policy
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from forum_app.http import ForumRequest, post_only
from forum_app.models import Delivery, Notification, User
from forum_app.notifications.emails import read_unsubscribe_token
from forum_app.notifications.forms import PreferencesForm
from forum_app.notifications.kinds import KINDS, kind_for, listed_kinds
from forum_app.notifications.preferences import preferences_for, preferences_set
from forum_app.notifications.queue import notification_retry as retry_service
from forum_app.notifications.queue import notifications_retry_failed as retry_all_service
from forum_app.permissions import forum_ability_required


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    kinds = listed_kinds()
    changeable = [kind for kind in kinds if kind.can_turn_off]
    form = PreferencesForm(
        request.POST or None, kinds=changeable, initial_choices=preferences_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        preferences_set(user=request.user, choices=form.cleaned_data)
        messages.success(request, _("Your email choices are saved."))
        return redirect("notification_preferences")
    always = [kind for kind in kinds if not kind.can_turn_off]
    return render(request, "notifications/preferences.html", {"form": form, "always": always})


@csrf_exempt  # Mail programs send the one-click POST (RFC 8058) with no session or token.
@never_cache
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one kind of email from a signed link, without signing in.

    GET only asks, so a link scanner opening it changes nothing; POST turns the kind off.
    """
    try:
        user_pk, key = read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    kind = KINDS.get(key)
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None or kind is None or not kind.can_turn_off:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    done = request.method == "POST"
    if done:
        preferences_set(user=user, choices={key: Delivery.OFF})
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": done})


# The undelivered page lists the most recent failures; the total and "send all again" cover all.
FAILED_SHOWN = 200


@forum_ability_required("resend_emails")
def notifications_failed(request: ForumRequest) -> HttpResponse:
    failed = Notification.objects.filter(forum=request.forum).failed()
    rows = list(failed.select_related("recipient").order_by("-claimed_at", "-pk")[:FAILED_SHOWN])
    for row in rows:
        row.kind_label = kind_for(row.kind).label
    waiting = (
        Notification.objects.filter(forum=request.forum, status=Notification.Status.PENDING)
        .exclude(last_error="")
        .count()
    )
    context = {
        "forum": request.forum,
        "failed": rows,
        "total": failed.count() if len(rows) == FAILED_SHOWN else len(rows),
        "retryable": failed.exclude(recipient__is_active=False).count(),
        "waiting": waiting,
    }
    return render(request, "notifications/failed.html", context)


@require_http_methods(["GET", "POST"])
@forum_ability_required("resend_emails")
def notifications_retry_failed(request: ForumRequest) -> HttpResponse:
    """Send every failed email of the forum again: GET asks to confirm, POST does it."""
    if request.method == "POST":
        queued = retry_all_service(forum=request.forum, actor=request.user)
        if queued:
            messages.success(
                request,
                ngettext(
                    "%(n)s email will be sent again.", "%(n)s emails will be sent again.", queued
                )
                % {"n": queued},
            )
        else:
            messages.info(request, _("There were no failed emails left to send again."))
        return redirect("notifications_failed", request.forum.slug)
    failed = Notification.objects.filter(forum=request.forum).failed()
    context = {
        "forum": request.forum,
        "count": failed.exclude(recipient__is_active=False).count(),
        "switched_off": failed.filter(recipient__is_active=False).count(),
    }
    return render(request, "notifications/retry_failed.html", context)


@post_only("notifications_failed", keep=("slug",))
@forum_ability_required("resend_emails")
def notification_retry(request: ForumRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Notification, pk=pk, forum=request.forum)
    try:
        retry_service(notification=row, actor=request.user)
        messages.success(
            request, _("The email to %(email)s will be sent again.") % {"email": row.email}
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("notifications_failed", request.forum.slug)


# Local development only: read what the file email backend wrote.

_MAIL_FILE = re.compile(r"^[\w.-]+\.log$")
_SEPARATOR = "\n" + "-" * 79 + "\n"


def _mail_dir() -> Path | None:
    mailer = settings.MAILERS.get("default", {})
    if not settings.DEBUG or not mailer.get("BACKEND", "").endswith("filebased.EmailBackend"):
        return None
    return Path(mailer["OPTIONS"]["file_path"])


def _messages_in(path: Path) -> list[email.message.EmailMessage]:
    chunks = [chunk for chunk in path.read_bytes().decode().split(_SEPARATOR) if chunk.strip()]
    return [email.message_from_string(chunk, policy=policy.default) for chunk in chunks]


def _dev_message(name: str, index: int) -> email.message.EmailMessage:
    folder = _mail_dir()
    if folder is None or not settings.DEBUG or not _MAIL_FILE.match(name):
        raise Http404
    path = folder / name
    if not path.is_file():
        raise Http404
    found = _messages_in(path)
    if not 0 <= index < len(found):
        raise Http404
    return found[index]


@require_GET
@never_cache
def dev_mailbox(request: HttpRequest) -> HttpResponse:
    folder = _mail_dir()
    if folder is None:
        raise Http404
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)[:100]
    entries = [
        {"file": path.name, "index": i, "message": message}
        for path in files
        for i, message in enumerate(_messages_in(path))
    ]
    return render(request, "notifications/dev_mailbox.html", {"entries": entries, "folder": folder})


@require_GET
@never_cache
def dev_mailbox_message(request: HttpRequest, name: str, index: int) -> HttpResponse:
    message = _dev_message(name, index)
    text = message.get_body(preferencelist=("plain",))
    context = {
        "message": message,
        "headers": list(message.items()),
        "text": text.get_content() if text else "",
        "name": name,
        "index": index,
        "has_html": message.get_body(preferencelist=("html",)) is not None,
    }
    return render(request, "notifications/dev_message.html", context)


@require_GET
@never_cache
@csp_override({**settings.SECURE_CSP, "style-src": [CSP.UNSAFE_INLINE], "sandbox": [""]})
def dev_mailbox_html(request: HttpRequest, name: str, index: int) -> HttpResponse:
    """The HTML part as a mail program shows it (emails need inline styles)."""
    html = _dev_message(name, index).get_body(preferencelist=("html",))
    if html is None:
        raise Http404
    return HttpResponse(html.get_content(), content_type="text/html; charset=utf-8")
