"""The voting window, closing voting early, and members' answers to an invitation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from forum_app.http import ForumRequest, post_only
from forum_app.permissions import forum_ability_required
from meetings.forms import VotingWindowForm
from meetings.models import Phase
from meetings.permissions import get_meeting_for
from meetings.services import voting
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
