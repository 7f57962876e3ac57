"""What every meeting page answers with: a message and a redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from meetings.models import Phase


def done(request: HttpRequest, url: str, message: str | None) -> HttpResponse:
    if message:
        messages.success(request, message)
    return redirect(url)


def refused(request: HttpRequest, url: str, error: ValidationError) -> HttpResponse:
    for text in error.messages:
        messages.error(request, text)
    return redirect(url)


PHASE_MESSAGES = {
    Phase.REVIEW: _("The meeting has started: reviewing the agenda."),
    Phase.GROUP: _("Now grouping issues into themes."),
    Phase.VOTE: _("Voting is open."),
    Phase.DECIDE: _("Voting is closed. The results are shown."),
}


def confirmed(request: HttpRequest) -> bool:
    """Whether the POST came from the confirm page (``meeting_confirm``), not a stray click."""
    return request.POST.get("confirm") == "yes"
