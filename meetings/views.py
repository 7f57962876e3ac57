"""Meeting pages. The convenor drives; members follow the live page and vote on their phones."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import condition, require_GET
from django_htmx.http import trigger_client_event

from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import can, forum_ability_required
from issues.models import Issue
from meetings import live, services
from meetings.agenda import follow_up_entries
from meetings.calendar import meeting_ics
from meetings.forms import (
    AgendaItemForm,
    DecisionForm,
    MeetingForm,
    MergeForm,
    MinutesCorrectionForm,
    MinutesForm,
    MoveForm,
    SplitForm,
    ThemeNameForm,
    VoteForm,
    VotingWindowForm,
    add_service_errors,
)
from meetings.models import (
    CARRIED_OVER,
    PHASE_ORDER,
    AgendaItem,
    Meeting,
    Minutes,
    Phase,
    SuggestionBatch,
    SuggestionItem,
    Theme,
    ThemeIssue,
    ThemeStatus,
)
from meetings.pdf import minutes_pdf
from meetings.permissions import get_meeting_for
from meetings.services import voting
from meetings.services.decisions import minutes_context
from meetings.services.schedule import default_start, members_to_invite
from meetings.services.themes import GROUPING_PHASES, groupable_issues

PER_PAGE = 10


def _done(request: HttpRequest, url: str, message: str | None) -> HttpResponse:
    if message:
        messages.success(request, message)
    return redirect(url)


def _refused(request: HttpRequest, url: str, error: ValidationError) -> HttpResponse:
    for text in error.messages:
        messages.error(request, text)
    return redirect(url)


@forum_ability_required("take_part")
def meeting_list(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    meetings = Meeting.objects.in_forum(forum).select_related("forum")
    upcoming = list(meetings.upcoming()[:20])
    past = Paginator(meetings.past().with_attendance(), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "forum": forum,
        "upcoming": upcoming,
        "past": past,
    }
    return render(request, "meetings/list.html", context)


@forum_ability_required("run_meetings")
@sent_once
def meeting_schedule(request: ForumRequest) -> HttpResponse:
    forum = request.forum
    start = default_start(forum)
    form = MeetingForm(
        request.POST or None,
        forum=forum,
        initial={
            "title": _("Forum meeting, %(month)s") % {"month": start.strftime("%B %Y")},
            "date": start.date(),
            "start": start.time(),
            "end": (start.replace(hour=min(start.hour + 1, 23))).time(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(
                forum=forum, actor=request.user, data=form.data_for_service()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(
                request,
                meeting.get_absolute_url(),
                _("Meeting arranged. Members are being sent an invitation."),
            )
    return render(request, "meetings/schedule.html", {"forum": forum, "form": form})


@forum_ability_required("run_meetings")
def meeting_edit(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    if meeting.phase != Phase.SCHEDULED:
        return _refused(
            request,
            meeting.get_absolute_url(),
            ValidationError(_("Only a meeting that has not started can be changed.")),
        )
    initial = MeetingForm.initial_for(meeting, meeting.starts_at, meeting.ends_at)
    form = MeetingForm(request.POST or None, forum=request.forum, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_reschedule(
                meeting=meeting, actor=request.user, data=form.data_for_service()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, meeting.get_absolute_url(), _("Meeting updated."))
    context = {"forum": request.forum, "form": form, "meeting": meeting}
    return render(request, "meetings/schedule.html", context)


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def meeting_cancel(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    try:
        services.meeting_cancel(meeting=meeting, actor=request.user)
    except ValidationError as error:
        return _refused(request, meeting.get_absolute_url(), error)
    return _done(
        request, meeting.get_absolute_url(), _("Meeting cancelled. Members are being told.")
    )


@require_GET
@forum_ability_required("take_part")
def meeting_calendar(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    ics = meeting_ics(meeting, attendee=(str(request.user), request.user.email))
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


def _agenda(meeting: Meeting) -> dict:
    carried = (
        Theme.objects.in_forum(meeting.forum)
        .current()
        .filter(status__in=[ThemeStatus.MONITORING, ThemeStatus.PARKED, ThemeStatus.ESCALATED])
        .annotate(issue_count=Count("theme_issues"))
        .order_by("status", "name")
    )
    previous = (
        Meeting.objects.filter(forum=meeting.forum, starts_at__lt=meeting.starts_at)
        .exclude(phase=Phase.CANCELLED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
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
        context["themes"] = _meeting_themes(meeting)
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


def _meeting_themes(meeting: Meeting, only: set[int] | None = None) -> list[Theme]:
    issues = Prefetch(
        "theme_issues",
        queryset=ThemeIssue.objects.select_related("issue").order_by("issue__title", "issue__pk"),
    )
    themes = Theme.objects.filter(meeting_themes__meeting=meeting)
    if only is not None:
        themes = themes.filter(pk__in=only)
    return list(themes.prefetch_related(issues).order_by("name", "pk"))


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


PHASE_MESSAGES = {
    Phase.REVIEW: _("The meeting has started: reviewing the agenda."),
    Phase.GROUP: _("Now grouping issues into themes."),
    Phase.VOTE: _("Voting is open."),
    Phase.DECIDE: _("Voting is closed. The results are shown."),
}


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def meeting_phase(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    expected = request.POST.get("expected", "")
    step = services.meeting_step_back if request.POST.get("step") == "back" else None
    if not step and expected == Phase.VOTE and not _confirmed(request):
        return redirect("meetings:voting_close", request.forum.slug, meeting.pk)
    try:
        if step:
            meeting = step(meeting=meeting, actor=request.user, expected=expected)
        else:
            meeting = services.meeting_advance(
                meeting=meeting, actor=request.user, expected=expected
            )
    except ValidationError as error:
        return _refused(request, meeting.get_absolute_url(), error)
    url = meeting.get_absolute_url()
    if meeting.phase == Phase.GROUP and not step:
        url = reverse("meetings:group", args=[request.forum.slug, meeting.pk])
    return _done(request, url, str(PHASE_MESSAGES.get(meeting.phase, "")))


def _confirmed(request: HttpRequest) -> bool:
    """Whether the POST came from the confirm page (``meeting_confirm``), not a stray click."""
    return request.POST.get("confirm") == "yes"


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
    if not _confirmed(request):
        return redirect("meetings:confirm", request.forum.slug, meeting.pk)
    try:
        services.meeting_close(meeting=meeting, actor=request.user)
    except ValidationError as error:
        return _refused(request, meeting.get_absolute_url(), error)
    url = reverse("meetings:minutes", args=[request.forum.slug, meeting.pk])
    return _done(request, url, _("Meeting closed. Check the draft minutes, then publish them."))


# Agenda


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
@sent_once
def agenda_add(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    url = meeting.get_absolute_url() + "#agenda"
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        return _refused(request, url, ValidationError(_("Say what the item is.")))
    try:
        services.agenda_item_add(
            meeting=meeting, actor=request.user, title=form.cleaned_data["title"]
        )
    except ValidationError as error:
        return _refused(request, url, error)
    return _done(request, url, _("Item added to the agenda."))


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
        return _refused(request, url, error)
    moved = _("“%(item)s” moved up.") if direction == "up" else _("“%(item)s” moved down.")
    return _done(request, url, moved % {"item": item.title})


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def agenda_remove(request: ForumRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _agenda_item(request, pk, item_pk)
    url = item.meeting.get_absolute_url() + "#agenda"
    try:
        services.agenda_item_remove(item=item, actor=request.user)
    except ValidationError as error:
        return _refused(request, url, error)
    return _done(request, url, _("“%(item)s” taken off the agenda.") % {"item": item.title})


@post_only("meetings:detail")
@forum_ability_required("run_meetings")
def agenda_order(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    order = [int(v) for v in request.POST.getlist("item") if v.isdigit()]
    try:
        services.agenda_reorder(meeting=meeting, actor=request.user, order=order)
    except ValidationError as error:
        return _refused(request, meeting.get_absolute_url() + "#agenda", error)
    return _done(request, meeting.get_absolute_url() + "#agenda", _("Agenda reordered."))


# Grouping


def _group_url(request: ForumRequest, meeting: Meeting, fragment: str = "") -> str:
    """The grouping board; ``fragment`` names the element that gets focus after the change."""
    url = reverse("meetings:group", args=[request.forum.slug, meeting.pk])
    if fragment:
        target = fragment.lstrip("#")
        url += f"?focus={target}#{target}"
    return url


def _forum_theme(request: ForumRequest, theme_pk: int) -> Theme:
    return get_object_or_404(Theme.objects.current(), pk=theme_pk, forum=request.forum)


@dataclass
class Column:
    """One column of the grouping board: a theme of this meeting, or the issues in none."""

    theme: Theme | None
    issues: list[Issue]

    @property
    def dom_id(self) -> str:
        return f"theme-{self.theme.pk}" if self.theme else "ungrouped"


def _columns(meeting: Meeting, theme_ids: Iterable[int | None] | None = None) -> list[Column]:
    """The board's columns in four queries, or only those of ``theme_ids`` (None: ungrouped)."""
    wanted = None if theme_ids is None else set(theme_ids)
    columns = []
    if wanted is None or None in wanted:
        ungrouped = groupable_issues(meeting).filter(theme_link=None).select_related("category")
        columns.append(Column(theme=None, issues=list(ungrouped.order_by("title", "pk")[:200])))
    themes = _meeting_themes(meeting, None if wanted is None else wanted - {None})
    columns += [
        Column(theme=t, issues=[link.issue for link in t.theme_issues.all()]) for t in themes
    ]
    return columns


def _board(request: ForumRequest, meeting: Meeting, **extra) -> HttpResponse:
    choices = Theme.objects.in_forum(request.forum).current().order_by("name")
    columns = _columns(meeting)
    in_meeting = {c.theme.pk for c in columns if c.theme}
    others = [
        t
        for t in choices.filter(status__in=[*CARRIED_OVER, ThemeStatus.ESCALATED])
        if t.pk not in in_meeting
    ]
    batch = (
        SuggestionBatch.objects.filter(meeting=meeting, undone_at=None)
        .prefetch_related(
            Prefetch(
                "items",
                queryset=SuggestionItem.objects.select_related("issue", "theme").order_by("pk"),
            )
        )
        .first()
    )
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "columns": columns,
        "other_themes": others,
        "choices": list(choices),
        "batch": batch,
        "editable": meeting.phase in GROUPING_PHASES,
        "theme_form": ThemeNameForm(),
    } | extra
    return render(request, "meetings/group.html", context)


@forum_ability_required("run_meetings")
def group_board(request: ForumRequest, pk: int) -> HttpResponse:
    return _board(request, get_meeting_for(request, pk))


@post_only("meetings:group")
@forum_ability_required("run_meetings")
@sent_once
def theme_create(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    form = ThemeNameForm(request.POST)
    if form.is_valid():
        try:
            theme = services.theme_create(
                meeting=meeting, actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("Theme “%(name)s” created.") % {"name": theme.name}
            return _done(request, _group_url(request, meeting, f"#theme-{theme.pk}"), message)
    # The name stays typed, with what is wrong next to it.
    return _board(request, meeting, theme_form=form)


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def theme_change(request: ForumRequest, pk: int, theme_pk: int) -> HttpResponse:
    """Rename, merge, split, delete, or bring a theme onto (or off) this meeting's ballot."""
    meeting = get_meeting_for(request, pk)
    theme = _forum_theme(request, theme_pk)
    action = request.POST.get("action", "")
    url = _group_url(request, meeting, f"#theme-{theme.pk}")
    try:
        if action == "rename":
            name = request.POST.get("name", "")
            try:
                services.theme_rename(meeting=meeting, actor=request.user, theme=theme, name=name)
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    raise
                return _board(
                    request,
                    meeting,
                    open_theme=theme.pk,
                    rename_error=" ".join(error.messages),
                    rename_value=name,
                )
            message = _("Theme renamed.")
        elif action == "merge":
            form = MergeForm(request.POST, themes=Theme.objects.in_forum(request.forum).current())
            if not form.is_valid():
                raise ValidationError(_("Choose the theme to merge into."))
            target = services.theme_merge(
                meeting=meeting,
                actor=request.user,
                source=theme,
                target=form.cleaned_data["target"],
            )
            url = _group_url(request, meeting, f"#theme-{target.pk}")
            message = _("Merged into “%(name)s”.") % {"name": target.name}
        elif action == "split":
            issues = [link.issue for link in theme.theme_issues.select_related("issue")]
            form = SplitForm(request.POST, issues=issues)
            if not form.is_valid():
                raise ValidationError(_("Name the new theme and tick the issues to move into it."))
            chosen = [i for i in issues if i.pk in form.cleaned_data["issues"]]
            new = services.theme_split(
                meeting=meeting,
                actor=request.user,
                theme=theme,
                name=form.cleaned_data["name"],
                issues=chosen,
            )
            url = _group_url(request, meeting, f"#theme-{new.pk}")
            message = _("Split off “%(name)s”.") % {"name": new.name}
        elif action == "delete":
            if request.POST.get("confirmed") != "yes":
                context = {"forum": request.forum, "meeting": meeting, "theme": theme}
                return render(request, "meetings/theme_delete.html", context)
            count = services.theme_delete(meeting=meeting, actor=request.user, theme=theme)
            url = _group_url(request, meeting, "#ungrouped")
            message = ngettext(
                "“%(name)s” deleted. Its %(count)d issue is back under “Not in a theme yet”.",
                "“%(name)s” deleted. Its %(count)d issues are back under “Not in a theme yet”.",
                count,
            ) % {"name": theme.name, "count": count}
            if not count:
                message = _("“%(name)s” deleted.") % {"name": theme.name}
        elif action == "include":
            services.theme_add_to_meeting(meeting=meeting, actor=request.user, theme=theme)
            message = _("“%(name)s” is on this meeting's list.") % {"name": theme.name}
        elif action == "exclude":
            services.theme_remove_from_meeting(meeting=meeting, actor=request.user, theme=theme)
            url = _group_url(request, meeting)
            message = _("“%(name)s” taken off this meeting's list.") % {"name": theme.name}
        else:
            raise ValidationError(_("Choose what to do with the theme."))
    except ValidationError as error:
        return _refused(request, url, error)
    return _done(request, url, message)


def _moved(
    request: ForumRequest, meeting: Meeting, theme_ids: list[int | None], message: str, **extra
) -> HttpResponse:
    """Redraw only the columns a move changed, and say what happened (htmx)."""
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "columns": _columns(meeting, theme_ids),
        "choices": list(Theme.objects.in_forum(request.forum).current().order_by("name")),
        "editable": True,
        "message": message,
        "level": "success",
    } | extra
    return render(request, "meetings/includes/board_moved.html", context)


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def issue_move(request: ForumRequest, pk: int) -> HttpResponse:
    """Move one issue, or every ticked one, into a theme or out of all themes."""
    meeting = get_meeting_for(request, pk)
    form = MoveForm(request.POST, themes=Theme.objects.in_forum(request.forum).current())
    issues = []
    if form.is_valid():
        ids = form.cleaned_data["issue"]
        issues = list(Issue.objects.filter(forum=request.forum, pk__in=ids).order_by("title"))
    if not issues:
        error = ValidationError(_("Tick the issues to move, then choose a theme."))
        if form.errors.get("theme"):
            error = ValidationError(_("Choose a theme from the list."))
        if request.htmx:
            return _moved(request, meeting, [], error.messages[0], level="error")
        return _refused(request, _group_url(request, meeting), error)
    theme = form.cleaned_data["theme"]
    focus = f"move-{issues[0].pk}" if len(issues) == 1 else ""
    url = _group_url(request, meeting, f"#issue-{issues[0].pk}")
    new_column = theme is not None and not meeting.meeting_themes.filter(theme=theme).exists()
    try:
        came_from = services.issues_move(
            meeting=meeting, actor=request.user, issues=issues, theme=theme
        )
    except ValidationError as error:
        if request.htmx:
            return _moved(request, meeting, [], " ".join(error.messages), level="error")
        return _refused(request, url, error)
    message = _move_message(issues, theme)
    if request.htmx and not new_column:
        if not focus:
            focus = f"theme-{theme.pk}" if theme else "ungrouped"
        return _moved(
            request, meeting, [*came_from, theme.pk if theme else None], message, focus=focus
        )
    return _done(request, url, message)


def _move_message(issues: list[Issue], theme: Theme | None) -> str:
    if len(issues) == 1 and theme is None:
        return _("“%(issue)s” is no longer in a theme.") % {"issue": issues[0].title}
    if len(issues) == 1:
        return _("“%(issue)s” moved to “%(theme)s”.") % {
            "issue": issues[0].title,
            "theme": theme.name,
        }
    if theme is None:
        return _("%(count)d issues are no longer in a theme.") % {"count": len(issues)}
    return _("%(count)d issues moved to “%(theme)s”.") % {"count": len(issues), "theme": theme.name}


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def suggest(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    url = _group_url(request, meeting, "#suggestions")
    try:
        batch = services.suggestion_create(meeting=meeting, actor=request.user)
    except ValidationError as error:
        return _refused(request, url, error)
    if batch is None:
        return _done(request, url, _("Every open issue is already in a theme."))
    return _done(request, url, _("Suggestions are ready. Accept or reject each one."))


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def suggestion_answer(request: ForumRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    item = get_object_or_404(
        SuggestionItem.objects.select_related("batch__meeting__forum", "issue"),
        pk=item_pk,
        batch__meeting=meeting,
    )
    accept = request.POST.get("answer") == "accept"
    url = _group_url(request, meeting, "#suggestions")
    try:
        services.suggestion_decide(item=item, actor=request.user, accept=accept)
    except ValidationError as error:
        return _refused(request, url, error)
    message = _("Suggestion accepted.") if accept else _("Suggestion rejected.")
    return _done(request, url, message)


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def suggestion_batch(request: ForumRequest, pk: int, batch_pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    batch = get_object_or_404(
        SuggestionBatch.objects.select_related("meeting__forum"), pk=batch_pk, meeting=meeting
    )
    action = request.POST.get("action", "")
    url = _group_url(request, meeting, "#suggestions")
    try:
        if action == "undo":
            count = services.suggestion_undo(batch=batch, actor=request.user)
            message = _("Suggestions undone: %(count)d issues put back.") % {"count": count}
        elif action in ("accept", "reject"):
            count = services.suggestion_decide_all(
                batch=batch, actor=request.user, accept=action == "accept"
            )
            message = _("%(count)d suggestions answered.") % {"count": count}
        else:
            raise ValidationError(_("Choose what to do with the suggestions."))
    except ValidationError as error:
        return _refused(request, url, error)
    return _done(request, url, message)


# Voting


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
        return _refused(request, url, error)
    message = _("Voting closes %(when)s.") % {"when": voting.closes_text(meeting)}
    return _done(request, url, message)


@forum_ability_required("run_meetings")
def voting_close(request: ForumRequest, pk: int) -> HttpResponse:
    """Ask first, then close voting before its window ends and count the ballots."""
    meeting = get_meeting_for(request, pk)
    if request.method == "POST":
        try:
            voting.voting_close(meeting=meeting, actor=request.user)
        except ValidationError as error:
            return _refused(request, meeting.get_absolute_url(), error)
        return _done(request, meeting.get_absolute_url(), str(PHASE_MESSAGES[Phase.DECIDE]))
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "open": meeting.phase == Phase.VOTE,
        "ballots": meeting.receipts.count(),
        "closes": voting.closes_text(meeting) if meeting.voting_closes_at else "",
    }
    return render(request, "meetings/voting_close.html", context)


# The ballot code goes to the voter in a short-lived signed cookie: never in a URL (access
# logs) and never in the session or the database, where it could be tied to them.
CODE_COOKIE = "ballot_code"
CODE_SHOWN_FOR = 15 * 60


def _code_salt(meeting: Meeting) -> str:
    return f"ballot-code:{meeting.pk}"


def _adjusted(form: VoteForm, data, move: str, budget: int, cap: int) -> dict[str, object]:
    """The ballot as typed, with one dot added or taken off (the + and − buttons without JS)."""
    values: dict[str, object] = {}
    for name in form.fields:
        values[name] = data.get(name, "")
    counts = {bf.name: _dots(values.get(bf.name)) for bf in form.theme_fields()}
    name, _sep, step = move.partition(":")
    if name in counts:
        left = budget - sum(counts.values())
        if step == "+1" and counts[name] < cap and left > 0:
            counts[name] += 1
        elif step == "-1" and counts[name] > 0:
            counts[name] -= 1
    return values | counts


def _dots(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


@forum_ability_required("take_part")
def vote(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    is_open = meeting.voting_open()
    themes = services.ballot_themes(meeting) if is_open else []
    already = services.voted(meeting, request.user)
    budget, cap = meeting.dots_per_person, meeting.max_dots_per_theme
    kwargs = {"themes": themes, "cap": cap, "changing": already}
    move = request.POST.get("adjust", "")
    if move:
        blank = VoteForm(**kwargs)
        form = VoteForm(initial=_adjusted(blank, request.POST, move, budget, cap), **kwargs)
    else:
        form = VoteForm(request.POST or None, **kwargs)
    if request.method == "POST" and not move and form.is_valid():
        allocations = form.allocations()
        url = reverse("meetings:vote", args=[request.forum.slug, meeting.pk])
        try:
            if already:
                services.ballot_change(
                    meeting=meeting,
                    voter=request.user,
                    code=form.cleaned_data["code"],
                    allocations=allocations,
                )
            else:
                code = services.ballot_cast(
                    meeting=meeting, voter=request.user, allocations=allocations
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if already:
                return _done(request, url, _("Your vote is changed. Nobody can see how you voted."))
            response = _done(
                request, url, _("Thank you: your vote is counted. Nobody can see how you voted.")
            )
            response.set_signed_cookie(
                CODE_COOKIE,
                code,
                salt=_code_salt(meeting),
                max_age=CODE_SHOWN_FOR,
                path=url,
                secure=request.is_secure(),
                httponly=True,
                samesite="Strict",
            )
            return response
    used = sum(_dots(bf.value()) for bf in form.theme_fields())
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "form": form,
        "rows": list(zip(themes, form.theme_fields(), strict=True)),
        "already": already,
        "open": is_open,
        "closes": voting.closes_text(meeting) if meeting.voting_closes_at else "",
        "left": budget - used,
        "over": used - budget,
        "code": request.get_signed_cookie(
            CODE_COOKIE, default=None, salt=_code_salt(meeting), max_age=CODE_SHOWN_FOR
        ),
    }
    return render(request, "meetings/vote.html", context)


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
        return _refused(request, url, error)
    if rsvp.answer == rsvp.Answer.ATTEND:
        message = _("Thank you: you said you will be at “%(title)s”.")
    else:
        message = _("Thank you: you said you will vote remotely for “%(title)s”.")
    return _done(request, url, message % {"title": meeting.title})


# Deciding


DECISION_FIELDS = tuple(DecisionForm.base_fields)


def _typed(data, prefix: str) -> dict:
    """What was typed for one theme in a POST of the whole decide page, as a form's initial."""
    typed = {}
    for name in DECISION_FIELDS:
        key = f"{prefix}-{name}"
        if key in data:
            typed[name] = data.get(key)
    return typed


def _decision_rows(meeting: Meeting, leaders, *, posted=None, bound=None, saved=None) -> list:
    """One row per theme voted on: its result, its decision, and the form to show.

    ``bound`` is the form just sent for one theme (with its errors, if any). Without
    JavaScript the whole page is sent, so ``posted`` holds what was typed for every other
    theme; each keeps it instead of going back to what was last saved.
    """
    decisions = {d.theme_id: d for d in meeting.decisions.all()}
    rows = []
    for number, result in enumerate(services.results(meeting), start=1):
        theme_pk, prefix = result.theme.pk, f"t{result.theme.pk}"
        decision = decisions.get(theme_pk)
        if bound is not None and bound.prefix == prefix:
            form = bound
        else:
            initial = {}
            if decision is not None:
                initial = {name: getattr(decision, name) for name in DECISION_FIELDS}
            if posted is not None:
                initial |= _typed(posted, prefix)
            form = DecisionForm(initial=initial, leaders=leaders, prefix=prefix)
        rows.append(
            {
                "number": number,
                "result": result,
                "decision": decision,
                "form": form,
                "saved": saved == theme_pk,
            }
        )
    return rows


@forum_ability_required("run_meetings")
def decide(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    leaders = services.leaders_of(request.forum)
    rows = _decision_rows(meeting, leaders)
    context = {"forum": request.forum, "meeting": meeting, "rows": rows, "leaders": leaders}
    return render(request, "meetings/decide.html", context)


@post_only("meetings:decide")
@forum_ability_required("run_meetings")
def decision_record(request: ForumRequest, pk: int, theme_pk: int) -> HttpResponse:
    """Save one theme's decision. With htmx only that theme's part of the page comes back;
    without, the whole page, keeping what was typed for the other themes."""
    meeting = get_meeting_for(request, pk)
    theme = get_object_or_404(Theme, pk=theme_pk, forum=request.forum)
    leaders = services.leaders_of(request.forum)
    form = DecisionForm(request.POST, leaders=leaders, prefix=f"t{theme.pk}")
    saved = False
    if form.is_valid():
        try:
            services.decision_record(
                meeting=meeting, actor=request.user, theme=theme, data=form.data_for_service()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = True
    message = _("Decision on “%(theme)s” recorded.") % {"theme": theme.name}
    url = reverse("meetings:decide", args=[request.forum.slug, meeting.pk])
    if saved and not request.htmx and not _others_typed(request.POST, theme):
        return _done(request, f"{url}#theme-{theme.pk}", message)
    rows = _decision_rows(
        meeting, leaders, posted=request.POST, bound=form, saved=theme.pk if saved else None
    )
    context = {"forum": request.forum, "meeting": meeting, "leaders": leaders, "rows": rows}
    if request.htmx:
        context["row"] = next(row for row in rows if row["result"].theme.pk == theme.pk)
        response = render(request, "meetings/decide.html#decision_row", context)
        if saved:
            trigger_client_event(response, "announce", message)
        return response
    if saved:
        messages.success(request, message)
    return render(request, "meetings/decide.html", context, status=200 if saved else 400)


def _others_typed(data, theme: Theme) -> bool:
    """Whether the POST carries the other themes' fields (the whole page, sent without htmx)."""
    own = f"t{theme.pk}-"
    return any(key.startswith("t") and "-" in key and not key.startswith(own) for key in data)


# Minutes


def _minutes_for(request: ForumRequest, meeting: Meeting) -> Minutes:
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None or (
        minutes.published_at is None and not can(request.membership, "run_meetings")
    ):
        raise Http404
    return minutes


@forum_ability_required("take_part")
def minutes(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = _minutes_for(request, meeting)
    form = None
    if can(request.membership, "run_meetings") and record.published_at is None:
        form = MinutesForm(request.POST or None, initial={"body": record.body})
        if request.method == "POST" and form.is_valid():
            try:
                services.minutes_update(
                    minutes=record, actor=request.user, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _done(request, request.path, _("Minutes saved."))
    elif request.method == "POST":
        raise Http404
    return _minutes_page(request, meeting, record, form=form)


def _minutes_page(
    request: ForumRequest, meeting, record, *, form=None, correction=None, status=200
):
    if (
        correction is None
        and can(request.membership, "run_meetings")
        and record.published_at is not None
    ):
        correction = MinutesCorrectionForm(initial={"body": record.body})
    context = {
        "forum": request.forum,
        "meeting": meeting,
        "minutes": record,
        "form": form,
        "correction": correction,
        "revisions": list(record.revisions.select_related("corrected_by")),
    }
    return render(request, "meetings/minutes.html", context, status=status)


@post_only("meetings:minutes")
@forum_ability_required("run_meetings")
def minutes_correct(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = get_object_or_404(Minutes, meeting=meeting)
    form = MinutesCorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_correct(
                minutes=record,
                actor=request.user,
                body=form.cleaned_data["body"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            url = reverse("meetings:minutes", args=[request.forum.slug, meeting.pk])
            return _done(request, url, _("Minutes corrected. The earlier version is kept below."))
    return _minutes_page(request, meeting, record, correction=form, status=400)


@post_only("meetings:minutes")
@forum_ability_required("run_meetings")
def minutes_publish(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = get_object_or_404(Minutes, meeting=meeting)
    url = reverse("meetings:minutes", args=[request.forum.slug, meeting.pk])
    if not _confirmed(request):
        return redirect("meetings:confirm", request.forum.slug, meeting.pk)
    try:
        services.minutes_publish(minutes=record, actor=request.user)
    except ValidationError as error:
        return _refused(request, url, error)
    return _done(request, url, _("Minutes published. Members have been emailed."))


@require_GET
@forum_ability_required("take_part")
def minutes_download(request: ForumRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request, pk)
    record = _minutes_for(request, meeting)
    response = HttpResponse(
        minutes_pdf(record, minutes_context(meeting)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.pdf"'
    return response
