"""Post/Redirect/Get that holds when a form is sent twice.

A form that creates something carries a one-time token (``{% once_field %}``). The view,
wrapped in ``sent_once``, records the token's hash with the page it redirected to; the same
token sent again (Back, then Send; a refresh; a double click) goes to that page with a note
instead of creating a second copy. Two sends at the same moment wait for each other on the
unique key. Never for anonymous posts: those have their own token (``issues.receipts``).
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from forum_app.models import FormSubmission

FIELD = "once"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _key(token: str) -> str:
    return hashlib.sha256(b"form:" + token.encode()).hexdigest()


def _earlier(key: str) -> HttpResponse | None:
    result = FormSubmission.objects.filter(key=key).values_list("result", flat=True).first()
    return redirect(result) if result else None


def _refused(request: HttpRequest) -> bool:
    """Whether the view said no: it queued an error message for the page it redirects to.

    Views answer a refused send (a service's ValidationError) by redirecting with an error
    message; nothing was created, so the same form may be sent again once put right.
    """
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", ())
    return any(message.level >= messages.ERROR for message in queued)


def sent_once(view: Callable) -> Callable:
    """Run a creating view at most once per one-time token; see the module's docstring.

    Only a redirect without an error message counts as done: a page shown again with
    errors, or a redirect that says the send was refused, keeps its token, so the corrected
    form can still be sent. htmx requests pass straight through: they are not repeated by
    Back or refresh, and their partials bring a fresh token.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not _TOKEN.match(token) or getattr(request, "htmx", False):
            return view(request, *args, **kwargs)
        key = _key(token)
        if earlier := _earlier(key):
            messages.info(request, _("That was sent already, so nothing was sent again."))
            return earlier
        try:
            with transaction.atomic():
                marker = FormSubmission.objects.create(key=key)
                response = view(request, *args, **kwargs)
                done = response.status_code in (301, 302, 303) and response.has_header("Location")
                if done and not _refused(request):
                    marker.result = response["Location"][:500]
                    marker.save(update_fields=["result"])
                else:
                    marker.delete()
        except IntegrityError:
            # Sent twice at the same moment: the other send has finished; go where it went.
            if earlier := _earlier(key):
                messages.info(request, _("That was sent already, so nothing was sent again."))
                return earlier
            raise
        return response

    return wrapper
