"""The voting window (when it closes, opening it before the meeting, closing it early) and
members' answers to an invitation. The closing-time page shows a time that will not do
beside its field; opening voting early asks first, since members may start voting at once.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.permissions import forum_ability_required
from meetings import services
from meetings.forms import VotingWindowForm
from meetings.models import Meeting, Phase
from meetings.permissions import get_meeting_for
from meetings.services import voting
from meetings.services.running import EARLY_VOTING_PHASES, early_ballot_themes
from meetings.views.shared import PHASE_MESSAGES, done, refused


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def voting_window(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    form = VotingWindowForm(request.POST, meeting=meeting)
    url = meeting.get_absolute_url() + "#voting-window"
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect(url)
    try:
        meeting = voting.voting_window_set(
            meeting=meeting, actor=request.user, closes_at=form.closes_at()
        )
    except ValidationError as error:
        return refused(request, url, error)
    message = _("Voting closes %(when)s.") % {"when": voting.closes_text(meeting)}
    return done(request, url, message)


@forum_ability_required("run_meetings")
def voting_close(request: ForumRequest, pk: int) -> HttpResponse:
    """Ask first, then close voting before its window ends and count the ballots."""
    meeting = get_meeting_for(request, pk)
    if request.method == "POST":
        try:
            voting.voting_close(meeting=meeting, actor=request.user)
        except ValidationError as error:
            return refused(request, meeting.get_absolute_url(), error)
        return done(request, meeting.get_absolute_url(), str(PHASE_MESSAGES[Phase.DECIDE]))
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "open": meeting.phase == Phase.VOTE,
        "ballots": meeting.receipts.count(),
        "closes": voting.closes_text(meeting) if meeting.voting_closes_at else "",
    }
    return render(request, "meetings/voting_close.html", context)


@post_only("meetings:detail")
@forum_ability_required("take_part")
def meeting_rsvp(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    url = reverse("forum_home", args=[request.forum.slug]) + "#next-meeting"
    try:
        rsvp = voting.meeting_rsvp(
            meeting=meeting, user=request.user, answer=request.POST.get("answer", "")
        )
    except ValidationError as error:
        return refused(request, url, error)
    if rsvp.answer == rsvp.Answer.ATTEND:
        message = _("Thank you: you said you will be at “%(title)s”.")
    else:
        message = _("Thank you: you said you will vote remotely for “%(title)s”.")
    return done(request, url, message % {"title": meeting.title})


def _times_page(
    request: ForumRequest, meeting: Meeting, form: VotingWindowForm, status: int = 200
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


@forum_ability_required("run_meetings")
def voting_times(request: ForumRequest, pk: int) -> HttpResponse:
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


@forum_ability_required("run_meetings")
def voting_open_early(request: ForumRequest, pk: int) -> HttpResponse:
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
