"""Pages for members' agenda proposals.

Members propose items for a meeting's agenda; the convenor accepts (the item goes on the
agenda) or declines them, with an optional reason.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import can, forum_ability_required
from meetings.forms import AgendaProposalForm, ProposalDeclineForm
from meetings.models import AgendaProposal, Meeting
from meetings.permissions import get_meeting_for
from meetings.services import proposals


def _proposals_url(meeting: Meeting, fragment: str = "") -> str:
    url = reverse("meetings:proposals", args=[meeting.forum.slug, meeting.pk])
    return url + (f"#{fragment}" if fragment else "")


def _proposals_page(
    request: ForumRequest,
    meeting: Meeting,
    *,
    form: AgendaProposalForm | None = None,
    declining: AgendaProposal | None = None,
    decline_form: ProposalDeclineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    listed = AgendaProposal.objects.filter(meeting=meeting).select_related("proposed_by")
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "open": proposals.proposals_open(meeting),
        "form": form or AgendaProposalForm(),
        "mine": list(listed.filter(proposed_by=request.user)),
        "declining": declining.pk if declining else None,
        "decline_form": decline_form,
    }
    if can(request.membership, "run_meetings"):
        context["waiting"] = list(listed.filter(state=AgendaProposal.State.WAITING))
        context["answered"] = list(listed.exclude(state=AgendaProposal.State.WAITING))
    return render(request, "meetings/proposals.html", context, status=status)


@forum_ability_required("take_part")
@sent_once
def agenda_proposals(request: ForumRequest, pk: int) -> HttpResponse:
    """The proposals of a meeting: a member's own and the form; the convenor sees them all."""
    meeting = get_meeting_for(request, pk)
    if request.method != "POST":
        return _proposals_page(request, meeting)
    form = AgendaProposalForm(request.POST)
    if form.is_valid():
        try:
            proposals.agenda_proposal_create(
                meeting=meeting,
                actor=request.user,
                title=form.cleaned_data["title"],
                why=form.cleaned_data["why"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Thank you. The convenor will accept or decline your proposal.")
            )
            return redirect(_proposals_url(meeting, "mine"))
    return _proposals_page(request, meeting, form=form, status=400)


def _proposal(request: ForumRequest, pk: int, proposal_pk: int) -> AgendaProposal:
    return get_object_or_404(
        AgendaProposal.objects.select_related("meeting__forum", "proposed_by"),
        pk=proposal_pk,
        meeting_id=pk,
        meeting__forum=request.forum,
    )


@post_only("meetings:proposals")
@forum_ability_required("run_meetings")
def proposal_accept(request: ForumRequest, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, pk, proposal_pk)
    url = _proposals_url(proposal.meeting, "waiting")
    try:
        proposals.agenda_proposal_accept(proposal=proposal, actor=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(url)
    messages.success(request, _("“%(item)s” is on the agenda.") % {"item": proposal.title})
    return redirect(url)


@post_only("meetings:proposals")
@forum_ability_required("run_meetings")
def proposal_decline(request: ForumRequest, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal(request, pk, proposal_pk)
    form = ProposalDeclineForm(request.POST)
    if not form.is_valid():
        return _proposals_page(
            request, proposal.meeting, declining=proposal, decline_form=form, status=400
        )
    url = _proposals_url(proposal.meeting, "waiting")
    try:
        proposals.agenda_proposal_decline(
            proposal=proposal, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(url)
    messages.success(request, _("“%(item)s” declined.") % {"item": proposal.title})
    return redirect(url)
