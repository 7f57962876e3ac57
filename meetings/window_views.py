"""The convenor's voting window: when voting closes, and opening it before the meeting.

The closing-time form answers with its page and the error beside the field; opening voting
early asks first, since members may start voting at once.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from forum_app.permissions import CONVENORS, forum_role_required
from meetings import services
from meetings.forms import VotingWindowForm, add_service_errors
from meetings.models import Meeting
from meetings.permissions import get_meeting_for
from meetings.services import voting
from meetings.services.running import EARLY_VOTING_PHASES, early_ballot_themes


def _times_page(
    request: HttpRequest, meeting: Meeting, form: VotingWindowForm, status: int = 200
) -> HttpResponse:
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "window_form": form,
        "voting_closes": voting.closes_text(meeting) if meeting.voting_closes_at else "",
        "open": meeting.phase in voting.WINDOW_PHASES,
        "early": meeting.phase in EARLY_VOTING_PHASES,
    }
    return render(request, "meetings/voting_times.html", context, status=status)


@forum_role_required(CONVENORS)
def voting_times(request: HttpRequest, pk: int) -> HttpResponse:
    """Set when voting closes; a time that will not do is shown beside the field."""
    meeting = get_meeting_for(request, pk)
    if request.method != "POST":
        return _times_page(request, meeting, VotingWindowForm(meeting=meeting))
    form = VotingWindowForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            meeting = voting.voting_window_set(
                meeting=meeting, actor=request.user, closes_at=form.closes_at()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            when = voting.closes_text(meeting)
            messages.success(request, _("Voting closes %(when)s.") % {"when": when})
            return redirect(meeting.get_absolute_url() + "#voting-window")
    return _times_page(request, meeting, form, status=400)


@forum_role_required(CONVENORS)
def voting_open_early(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then open voting before the meeting, on the themes its agenda carries over."""
    meeting = get_meeting_for(request, pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return redirect("meetings:voting_open_early", request.forum.slug, meeting.pk)
        try:
            meeting = services.voting_open_early(
                meeting=meeting, actor=request.user, expected=request.POST.get("expected", "")
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return redirect(meeting.get_absolute_url())
        when = voting.closes_text(meeting)
        messages.success(request, _("Voting is open until %(when)s.") % {"when": when})
        return redirect(meeting.get_absolute_url())
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "early": meeting.phase in EARLY_VOTING_PHASES,
        "themes": list(early_ballot_themes(meeting).order_by("name", "pk")),
    }
    return render(request, "meetings/voting_open_early.html", context)
