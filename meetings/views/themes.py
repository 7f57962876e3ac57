"""The grouping board: themes of a meeting and the issues in them."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum_app.forms import add_service_errors
from forum_app.http import ForumRequest, post_only
from forum_app.once import sent_once
from forum_app.permissions import forum_ability_required
from issues.models import Issue
from meetings import services
from meetings.forms import MergeForm, MoveForm, SplitForm, ThemeNameForm
from meetings.models import Meeting, SuggestionBatch, SuggestionItem, Theme
from meetings.permissions import get_meeting_for
from meetings.services.themes import GROUPING_PHASES, groupable_issues
from meetings.views.shared import done, refused


def board_url(request: ForumRequest, meeting: Meeting, fragment: str = "") -> str:
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
    themes = Theme.objects.of_meeting(meeting).with_issues()
    if wanted is not None:
        themes = themes.filter(pk__in=wanted - {None})
    columns += [
        Column(theme=t, issues=[link.issue for link in t.theme_issues.all()]) for t in themes
    ]
    return columns


def _board(request: ForumRequest, meeting: Meeting, **extra) -> HttpResponse:
    choices = Theme.objects.in_forum(request.forum).current().order_by("name")
    columns = _columns(meeting)
    in_meeting = {c.theme.pk for c in columns if c.theme}
    others = [t for t in choices.unresolved() if t.pk not in in_meeting]
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
            return done(request, board_url(request, meeting, f"#theme-{theme.pk}"), message)
    # The name stays typed, with what is wrong next to it.
    return _board(request, meeting, theme_form=form)


# Each action of the theme form: it returns the page to show (a response), or the
# board URL to go back to and the message to say there. A ValidationError goes back to
# the board with what went wrong.
ThemeAction = Callable[[ForumRequest, Meeting, Theme], "HttpResponse | tuple[str, str]"]


def _rename(request: ForumRequest, meeting: Meeting, theme: Theme):
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
    return board_url(request, meeting, f"#theme-{theme.pk}"), _("Theme renamed.")


def _merge(request: ForumRequest, meeting: Meeting, theme: Theme):
    form = MergeForm(request.POST, themes=Theme.objects.in_forum(request.forum).current())
    if not form.is_valid():
        raise ValidationError(_("Choose the theme to merge into."))
    target = services.theme_merge(
        meeting=meeting, actor=request.user, source=theme, target=form.cleaned_data["target"]
    )
    message = _("Merged into “%(name)s”.") % {"name": target.name}
    return board_url(request, meeting, f"#theme-{target.pk}"), message


def _split(request: ForumRequest, meeting: Meeting, theme: Theme):
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
    message = _("Split off “%(name)s”.") % {"name": new.name}
    return board_url(request, meeting, f"#theme-{new.pk}"), message


def _delete(request: ForumRequest, meeting: Meeting, theme: Theme):
    if request.POST.get("confirmed") != "yes":
        context = {"forum": request.forum, "meeting": meeting, "theme": theme}
        return render(request, "meetings/theme_delete.html", context)
    count = services.theme_delete(meeting=meeting, actor=request.user, theme=theme)
    message = ngettext(
        "“%(name)s” deleted. Its %(count)d issue is back under “Not in a theme yet”.",
        "“%(name)s” deleted. Its %(count)d issues are back under “Not in a theme yet”.",
        count,
    ) % {"name": theme.name, "count": count}
    if not count:
        message = _("“%(name)s” deleted.") % {"name": theme.name}
    return board_url(request, meeting, "#ungrouped"), message


def _include(request: ForumRequest, meeting: Meeting, theme: Theme):
    services.theme_add_to_meeting(meeting=meeting, actor=request.user, theme=theme)
    message = _("“%(name)s” is on this meeting's list.") % {"name": theme.name}
    return board_url(request, meeting, f"#theme-{theme.pk}"), message


def _exclude(request: ForumRequest, meeting: Meeting, theme: Theme):
    services.theme_remove_from_meeting(meeting=meeting, actor=request.user, theme=theme)
    message = _("“%(name)s” taken off this meeting's list.") % {"name": theme.name}
    return board_url(request, meeting), message


THEME_ACTIONS: dict[str, ThemeAction] = {
    "rename": _rename,
    "merge": _merge,
    "split": _split,
    "delete": _delete,
    "include": _include,
    "exclude": _exclude,
}


@post_only("meetings:group")
@forum_ability_required("run_meetings")
def theme_change(request: ForumRequest, pk: int, theme_pk: int) -> HttpResponse:
    """Rename, merge, split, delete, or bring a theme onto (or off) this meeting's ballot."""
    meeting = get_meeting_for(request, pk)
    theme = _forum_theme(request, theme_pk)
    action = THEME_ACTIONS.get(request.POST.get("action", ""))
    try:
        if action is None:
            raise ValidationError(_("Choose what to do with the theme."))
        outcome = action(request, meeting, theme)
    except ValidationError as error:
        return refused(request, board_url(request, meeting, f"#theme-{theme.pk}"), error)
    if isinstance(outcome, HttpResponse):
        return outcome
    url, message = outcome
    return done(request, url, message)


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
        return refused(request, board_url(request, meeting), error)
    theme = form.cleaned_data["theme"]
    focus = f"move-{issues[0].pk}" if len(issues) == 1 else ""
    url = board_url(request, meeting, f"#issue-{issues[0].pk}")
    new_column = theme is not None and not meeting.meeting_themes.filter(theme=theme).exists()
    try:
        came_from = services.issues_move(
            meeting=meeting, actor=request.user, issues=issues, theme=theme
        )
    except ValidationError as error:
        if request.htmx:
            return _moved(request, meeting, [], " ".join(error.messages), level="error")
        return refused(request, url, error)
    message = _move_message(issues, theme)
    if request.htmx and not new_column:
        if not focus:
            focus = f"theme-{theme.pk}" if theme else "ungrouped"
        return _moved(
            request, meeting, [*came_from, theme.pk if theme else None], message, focus=focus
        )
    return done(request, url, message)


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
