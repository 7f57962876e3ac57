"""Running a meeting: its page and live part, attendance, phases, closing, the agenda."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import condition, require_GET

from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import can, forum_ability_required
from meetings import live, services
from meetings.agenda import follow_up_entries
from meetings.forms import AgendaItemForm, VotingWindowForm
from meetings.models import PHASE_ORDER, AgendaItem, Meeting, Minutes, Phase, Theme
from meetings.permissions import get_meeting_for
from meetings.services import voting
from meetings.services.schedule import members_to_invite
from meetings.views.shared import PHASE_MESSAGES, confirmed, done, refused


def _agenda(meeting: Meeting) -> dict:
    carried = Theme.objects.in_forum(meeting.forum).current().to_follow_up()
    previous = Meeting.objects.held_before(meeting).values_list("starts_at", flat=True).first()
    return {
        "new_issues": list(services.new_issues_for(meeting).select_related("category")[:50]),
        "carried": list(carried),
        "follow_ups": follow_up_entries(meeting.forum, previous.date() if previous else None),
        "items": list(meeting.agenda_items.all()),
    }


def _live_context(request: ForumRequest, meeting: Meeting, voted: bool | None = None) -> dict:
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "attendance": meeting.attendances.count(),
        "phases": [(phase.value, phase.label) for phase in PHASE_ORDER],
    }
    phase = meeting.phase
    if phase in (Phase.SCHEDULED, Phase.REVIEW):
        context |= _agenda(meeting)
    if phase == Phase.GROUP:
        context["themes"] = list(Theme.objects.of_meeting(meeting).with_issues())
    if phase == Phase.VOTE:
        context["ballots"] = meeting.receipts.count()
        context["voted"] = services.voted(meeting, request.user) if voted is None else voted
        context["voting_open"] = meeting.voting_open()
        if meeting.voting_closes_at:
            context["voting_closes"] = voting.closes_text(meeting)
    if phase in (Phase.DECIDE, Phase.CLOSED):
        context["results"] = services.results(meeting)
        context["decisions"] = {d.theme_id: d for d in meeting.decisions.all()}
    if phase == Phase.CLOSED:
        context["minutes"] = Minutes.objects.filter(meeting=meeting).first()
    return context


def live_etag(request: ForumRequest, pk: int) -> str | None:
    """One cheap query: the live part changes with the state version, the phase, and the
    number of ballots (a ballot writes nothing to the meeting row; see services.ballot_cast).
    """
    state = live.live_state(request, pk)
    return state.etag if state else None


@forum_ability_required("take_part")
def meeting_detail(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    context = _live_context(request, meeting)
    context["attending"] = meeting.attendances.filter(user=request.user).exists()
    context["etag"] = live_etag(request, meeting.pk)
    context["agenda_form"] = AgendaItemForm()
    if can(request.membership, "run_meetings") and meeting.phase in voting.WINDOW_PHASES:
        context["window_form"] = VotingWindowForm(meeting=meeting)
        if meeting.voting_closes_at:
            context["voting_closes"] = voting.closes_text(meeting)
    return render(request, "meetings/detail.html", context)


@never_cache
@require_GET
@forum_ability_required("take_part")
@condition(etag_func=live_etag)
def meeting_live(request: ForumRequest, pk: int) -> HttpResponse:
    """The live part; the members' version comes from the cache once rendered (meetings/live.py)."""
    state = live.live_state(request, pk)
    if state is None:
        raise Http404
    if can(request.membership, "run_meetings"):
        meeting = get_meeting_for(request, pk)
        context = _live_context(request, meeting) | {"etag": state.etag}
        return render(request, "meetings/detail.html#live", context)
    voted = live.has_voted(state, request)
    html = live.cached_html(state, voted)
    if html is None:
        meeting = get_meeting_for(request, pk)
        context = _live_context(request, meeting, voted) | {"etag": state.etag}
        html = render_to_string("meetings/detail.html#live", context, request)
        live.keep_html(state, voted, html)
    return HttpResponse(html)


@post_only("meetings:detail")
@forum_ability_required("take_part")
def meeting_attend(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    services.meeting_attend(meeting=meeting, user=request.user)
    return redirect(meeting.get_absolute_url())


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def meeting_phase(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    expected = request.POST.get("expected", "")
    step = services.meeting_step_back if request.POST.get("step") == "back" else None
    if not step and expected == Phase.VOTE and not confirmed(request):
        return redirect("meetings:voting_close", request.forum.slug, meeting.pk)
    try:
        if step:
            meeting = step(meeting=meeting, actor=request.user, expected=expected)
        else:
            meeting = services.meeting_advance(
                meeting=meeting, actor=request.user, expected=expected
            )
    except ValidationError as error:
        return refused(request, meeting.get_absolute_url(), error)
    url = meeting.get_absolute_url()
    if meeting.phase == Phase.GROUP and not step:
        url = reverse("meetings:group", args=[request.forum.slug, meeting.pk])
    return done(request, url, str(PHASE_MESSAGES.get(meeting.phase, "")))


def _step_to_confirm(meeting: Meeting) -> str | None:
    """The step that cannot be undone which this meeting is ready for, if any."""
    if meeting.phase == Phase.DECIDE:
        return "close"
    if meeting.phase == Phase.CLOSED:
        minutes = Minutes.objects.filter(meeting=meeting).only("published_at").first()
        if minutes is not None and minutes.published_at is None:
            return "publish"
    return None


@forum_ability_required("run_meetings")
def meeting_confirm(request: ForumRequest, pk: int) -> HttpResponse:
    """Ask before closing voting, closing the meeting or publishing the minutes.

    Each of these is final, so its button leads here first, and its POST is refused
    (sent back here) without the confirmation this page adds.
    """
    meeting = get_meeting_for(request, pk)
    if meeting.phase == Phase.VOTE:  # closing voting has its own page, with the window
        return redirect("meetings:voting_close", request.forum.slug, meeting.pk)
    step = _step_to_confirm(meeting)
    if step is None:
        return redirect(meeting.get_absolute_url())
    context = {"forum": request.forum, "meeting": meeting, "step": step}
    if step == "close":
        context |= {
            "themes": len(services.results(meeting)),
            "decided": meeting.decisions.count(),
        }
    else:
        context["members"] = members_to_invite(request.forum).count()
    return render(request, "meetings/confirm.html", context)


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def meeting_close(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    if not confirmed(request):
        return redirect("meetings:confirm", request.forum.slug, meeting.pk)
    try:
        services.meeting_close(meeting=meeting, actor=request.user)
    except ValidationError as error:
        return refused(request, meeting.get_absolute_url(), error)
    url = reverse("meetings:minutes", args=[request.forum.slug, meeting.pk])
    return done(request, url, _("Meeting closed. Check the draft minutes, then publish them."))


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
@sent_once
def agenda_add(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    url = meeting.get_absolute_url() + "#agenda"
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        return refused(request, url, ValidationError(_("Say what the item is.")))
    try:
        services.agenda_item_add(
            meeting=meeting, actor=request.user, title=form.cleaned_data["title"]
        )
    except ValidationError as error:
        return refused(request, url, error)
    return done(request, url, _("Item added to the agenda."))


def _agenda_item(request: ForumRequest, pk: int, item_pk: int) -> AgendaItem:
    return get_object_or_404(
        AgendaItem.objects.select_related("meeting__forum"),
        pk=item_pk,
        meeting_id=pk,
        meeting__forum=request.forum,
    )


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def agenda_move(request: ForumRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _agenda_item(request, pk, item_pk)
    url = item.meeting.get_absolute_url() + f"#agenda-item-{item.pk}"
    direction = "up" if request.POST.get("direction") == "up" else "down"
    try:
        services.agenda_item_move(item=item, actor=request.user, direction=direction)
    except ValidationError as error:
        return refused(request, url, error)
    moved = _("“%(item)s” moved up.") if direction == "up" else _("“%(item)s” moved down.")
    return done(request, url, moved % {"item": item.title})


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def agenda_remove(request: ForumRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _agenda_item(request, pk, item_pk)
    url = item.meeting.get_absolute_url() + "#agenda"
    try:
        services.agenda_item_remove(item=item, actor=request.user)
    except ValidationError as error:
        return refused(request, url, error)
    return done(request, url, _("“%(item)s” taken off the agenda.") % {"item": item.title})


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def agenda_order(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    order = [int(v) for v in request.POST.getlist("item") if v.isdigit()]
    try:
        services.agenda_reorder(meeting=meeting, actor=request.user, order=order)
    except ValidationError as error:
        return refused(request, meeting.get_absolute_url() + "#agenda", error)
    return done(request, meeting.get_absolute_url() + "#agenda", _("Agenda reordered."))
