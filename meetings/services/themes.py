"""Grouping issues into themes during a meeting: create, rename, merge, split, delete, move."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forum_app.models import User
from forum_app.permissions import require
from issues.models import Issue, Status
from issues.services import issue_grouped, issue_set_status
from meetings.models import Meeting, MeetingTheme, Phase, SuggestionItem, Theme, ThemeIssue
from meetings.services.running import bump

GROUPING_PHASES = (Phase.SCHEDULED, Phase.REVIEW, Phase.GROUP)


def check_grouping(meeting: Meeting, actor: User) -> None:
    require(meeting.forum, actor, "run_meetings")
    if meeting.phase not in GROUPING_PHASES:
        raise ValidationError(_("Themes can change only before voting starts."))


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the theme a name.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Keep the name under 120 characters.")})
    return name


def _check_name_free(forum_id: int, name: str, theme: Theme | None = None) -> None:
    """Theme names are unique in a forum, ignoring case (a constraint holds it too)."""
    taken = Theme.objects.current().filter(forum_id=forum_id, name__iexact=name)
    if theme is not None:
        taken = taken.exclude(pk=theme.pk)
    if taken.exists():
        raise ValidationError(
            {
                "name": _("There is already a theme called “%(name)s”. Choose another name.")
                % {"name": taken.first().name}
            }
        )


def _check_not_voting(theme: Theme, doing: str) -> None:
    """Refuse to change a theme that a meeting's open vote is using."""
    voting = Meeting.objects.filter(meeting_themes__theme=theme, phase=Phase.VOTE).first()
    if voting is not None:
        raise ValidationError(
            _(
                "“%(name)s” is on the ballot of “%(meeting)s”, where voting is open, so it cannot "
                "be %(doing)s. Wait until that vote closes."
            )
            % {"name": theme.name, "meeting": voting.title, "doing": doing}
        )


def _check_theme(meeting: Meeting, theme: Theme) -> None:
    if theme.forum_id != meeting.forum_id or theme.merged_into_id is not None:
        raise ValidationError({"theme": _("Choose one of this forum's themes.")})


def groupable_issues(meeting: Meeting):
    """Issues a convenor may put into a theme: open, visible, in this forum."""
    return Issue.objects.in_forum(meeting.forum).open().filter(hidden=False)


def place_issue(meeting: Meeting, issue: Issue, theme: Theme | None, actor: User | None) -> None:
    """Put ``issue`` into ``theme`` (or take it out of any theme when None)."""
    if theme is None:
        issue_grouped(issue=issue, theme_name=None)
        ThemeIssue.objects.filter(issue=issue).delete()
        if issue.status == Status.IN_THEME:
            issue_set_status(issue=issue, status=Status.ON_AGENDA, actor=actor)
        return
    ThemeIssue.objects.update_or_create(issue=issue, defaults={"theme": theme, "added_in": meeting})
    MeetingTheme.objects.get_or_create(meeting=meeting, theme=theme)
    issue_grouped(issue=issue, theme_name=theme.name)
    if issue.status in (Status.NEW, Status.ON_AGENDA):
        issue_set_status(issue=issue, status=Status.IN_THEME, actor=actor)


@transaction.atomic
def theme_create(
    *, meeting: Meeting, actor: User, name: str, named_by_person: bool = True
) -> Theme:
    """Start a new theme in this meeting."""
    check_grouping(meeting, actor)
    name = _clean_name(name)
    _check_name_free(meeting.forum_id, name)
    theme = Theme.objects.create(forum=meeting.forum, name=name, named_by_person=named_by_person)
    MeetingTheme.objects.create(meeting=meeting, theme=theme)
    bump(meeting)
    return theme


@transaction.atomic
def theme_rename(*, meeting: Meeting, actor: User, theme: Theme, name: str) -> Theme:
    """Rename a theme. A name a person gives is never changed by suggestions."""
    check_grouping(meeting, actor)
    _check_theme(meeting, theme)
    name = _clean_name(name)
    _check_name_free(meeting.forum_id, name, theme)
    theme.name = name
    theme.named_by_person = True
    theme.save(update_fields=["name", "named_by_person"])
    bump(meeting)
    return theme


@transaction.atomic
def theme_add_to_meeting(*, meeting: Meeting, actor: User, theme: Theme) -> None:
    """Bring a theme from an earlier meeting onto this meeting's list and ballot."""
    check_grouping(meeting, actor)
    _check_theme(meeting, theme)
    MeetingTheme.objects.get_or_create(meeting=meeting, theme=theme)
    bump(meeting)


@transaction.atomic
def theme_remove_from_meeting(*, meeting: Meeting, actor: User, theme: Theme) -> None:
    """Take a theme off this meeting's list and ballot; its issues stay in it."""
    check_grouping(meeting, actor)
    MeetingTheme.objects.filter(meeting=meeting, theme=theme).delete()
    bump(meeting)


@transaction.atomic
def theme_merge(*, meeting: Meeting, actor: User, source: Theme, target: Theme) -> Theme:
    """Merge ``source`` into ``target``: its issues move across and it is kept as a trace.

    Past tallies and decisions keep pointing at ``source``, so earlier minutes stay true.
    """
    check_grouping(meeting, actor)
    _check_theme(meeting, source)
    _check_theme(meeting, target)
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose a different theme to merge into.")})
    _check_not_voting(source, _("merged"))
    _check_not_voting(target, _("merged"))
    # A bulk move sends no signal; saving ``source`` below refits similar issues.
    ThemeIssue.objects.filter(theme=source).update(theme=target)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    MeetingTheme.objects.filter(meeting=meeting, theme=source).delete()
    MeetingTheme.objects.get_or_create(meeting=meeting, theme=target)
    bump(meeting)
    return target


@transaction.atomic
def theme_split(
    *, meeting: Meeting, actor: User, theme: Theme, name: str, issues: list[Issue]
) -> Theme:
    """Move some of a theme's issues into a new theme called ``name``."""
    check_grouping(meeting, actor)
    _check_theme(meeting, theme)
    chosen = [i for i in issues if ThemeIssue.objects.filter(theme=theme, issue=i).exists()]
    if not chosen:
        raise ValidationError({"issues": _("Choose at least one issue of this theme to move.")})
    if len(chosen) == theme.theme_issues.count():
        raise ValidationError(
            {"issues": _("Leave at least one issue behind, or rename the theme instead.")}
        )
    new = theme_create(meeting=meeting, actor=actor, name=name)
    # A bulk move sends no signal; creating ``new`` above refits similar issues.
    ThemeIssue.objects.filter(theme=theme, issue__in=chosen).update(theme=new, added_in=meeting)
    bump(meeting)
    return new


@transaction.atomic
def theme_delete(*, meeting: Meeting, actor: User, theme: Theme) -> int:
    """Delete a theme; its issues go back to "not in a theme". Returns how many went back.

    A theme that was voted on, decided or escalated is part of the record and stays; so does
    one on the ballot of an open vote.
    """
    check_grouping(meeting, actor)
    _check_theme(meeting, theme)
    _check_not_voting(theme, _("deleted"))
    if theme.tallies.exists() or theme.decisions.exists() or theme.briefs.exists():
        raise ValidationError(
            _(
                "“%(name)s” was voted on or decided in a meeting, so it stays on the record. "
                "Take it off this meeting's list instead."
            )
            % {"name": theme.name}
        )
    if theme.merged_themes.exists():
        raise ValidationError(
            _(
                "Other themes were merged into “%(name)s”, so it stays as their trace. "
                "Take it off this meeting's list instead."
            )
            % {"name": theme.name}
        )
    links = list(ThemeIssue.objects.filter(theme=theme).select_related("issue"))
    for link in links:
        place_issue(meeting, link.issue, None, actor)
    # A suggested new group keeps its name; a suggestion into this very theme goes with it.
    SuggestionItem.objects.filter(theme=theme).exclude(new_group="").update(
        theme=None, created_theme=False
    )
    theme.delete()
    bump(meeting)
    return len(links)


@transaction.atomic
def issues_move(
    *, meeting: Meeting, actor: User, issues: list[Issue], theme: Theme | None
) -> list[int | None]:
    """Move several issues into ``theme`` (or out of every theme) at once.

    Returns the themes they came from (None for "not in a theme"), so a page can redraw them.
    """
    check_grouping(meeting, actor)
    if not issues:
        raise ValidationError({"issue": _("Tick at least one issue to move.")})
    if theme is not None:
        _check_theme(meeting, theme)
    groupable = set(
        groupable_issues(meeting).filter(pk__in=[i.pk for i in issues]).values_list("pk", flat=True)
    )
    if len(groupable) != len({i.pk for i in issues}):
        raise ValidationError({"issue": _("Only open issues of this forum can be grouped.")})
    before = dict(ThemeIssue.objects.filter(issue__in=issues).values_list("issue_id", "theme_id"))
    for issue in issues:
        place_issue(meeting, issue, theme, actor)
    bump(meeting)
    return list(dict.fromkeys(before.get(i.pk) for i in issues))


@transaction.atomic
def issue_move(*, meeting: Meeting, actor: User, issue: Issue, theme: Theme | None) -> None:
    """Move an issue into a theme (or out of every theme). The issue shows "in a theme"."""
    check_grouping(meeting, actor)
    if not groupable_issues(meeting).filter(pk=issue.pk).exists():
        raise ValidationError({"issue": _("Only open issues of this forum can be grouped.")})
    if theme is not None:
        _check_theme(meeting, theme)
    place_issue(meeting, issue, theme, actor)
    bump(meeting)


def theme_link_forum(link: ThemeIssue) -> int | None:
    """The forum of an issue's place in a theme (None once its theme is gone)."""
    return Theme.objects.filter(pk=link.theme_id).values_list("forum_id", flat=True).first()


def theme_labels(forum_id: int) -> dict[int, str]:
    """Which current theme each grouped issue of the forum is in: issue id -> theme id.

    The similarity engine learns from these what makes issues "the same problem".
    """
    return {
        issue_id: str(theme_id)
        for issue_id, theme_id in ThemeIssue.objects.filter(
            theme__forum_id=forum_id, theme__merged_into=None
        ).values_list("issue_id", "theme_id")
    }
