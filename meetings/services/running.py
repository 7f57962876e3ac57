"""Running a meeting: phases, attendance and the agenda's free items."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import User
from forum_app.permissions import can_in, require
from issues.models import Issue, Status
from issues.services import issue_set_status
from meetings.models import (
    CARRIED_OVER,
    LIVE_PHASES,
    PHASE_ORDER,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingTheme,
    Phase,
    Theme,
    ThemeTally,
)
from meetings.services.ballots import ballots_count


def bump(meeting: Meeting) -> None:
    """Tell live pages something changed: their next poll gets the new state."""
    Meeting.objects.filter(pk=meeting.pk).update(state_version=F("state_version") + 1)


def lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return Meeting.objects.held_before(meeting).first()


def new_issues_for(meeting: Meeting):
    """Open issues raised since the last meeting that are not yet in a theme."""
    issues = Issue.objects.in_forum(meeting.forum).open().filter(theme_link=None, hidden=False)
    last = previous_meeting(meeting)
    if last is not None:
        issues = issues.filter(raised_on__gte=last.starts_at.date())
    return issues.order_by("raised_on", "pk")


def _start(meeting: Meeting, actor: User) -> None:
    """Bring carried-over themes onto this meeting and put new issues on the agenda."""
    carried = Theme.objects.in_forum(meeting.forum).current().filter(status__in=CARRIED_OVER)
    MeetingTheme.objects.bulk_create(
        [MeetingTheme(meeting=meeting, theme=theme) for theme in carried],
        ignore_conflicts=True,
    )
    for issue in new_issues_for(meeting).filter(status=Status.NEW):
        issue_set_status(issue=issue, status=Status.ON_AGENDA, actor=actor)


def _open_voting(meeting: Meeting) -> None:
    themes = list(meeting.meeting_themes.values_list("theme_id", flat=True))
    if not themes:
        raise ValidationError(_("Put at least one issue into a theme before voting starts."))
    ThemeTally.objects.bulk_create(
        [ThemeTally(meeting=meeting, theme_id=pk) for pk in themes], ignore_conflicts=True
    )
    now = timezone.now()
    meeting.voting_opens_at = now
    if meeting.voting_closes_at is None or meeting.voting_closes_at <= now:
        meeting.voting_closes_at = default_close(meeting, now)
    # Imported here: the voting window's module builds on this one.
    from meetings.services.voting import remote_voters_tell

    remote_voters_tell(meeting)


def default_close(meeting: Meeting, now: datetime) -> datetime:
    """The forum's usual time after the meeting ends (after now, if it has already ended)."""
    hours = timedelta(hours=meeting.forum.voting_hours_after_meeting)
    return max(meeting.ends_at, now) + hours


@transaction.atomic
def meeting_advance(*, meeting: Meeting, actor: User, expected: str) -> Meeting:
    """Move a meeting to its next phase (review → group → vote → decide).

    ``expected`` is the phase the convenor saw; if someone else moved the meeting on in the
    meantime, nothing happens and they are told. Closing is ``meeting_close``.
    """
    require(meeting.forum, actor, "run_meetings")
    locked = lock(meeting)
    if locked.phase != expected:
        raise ValidationError(
            _("The meeting has already moved on to “%(phase)s”.")
            % {"phase": locked.get_phase_display()}
        )
    if locked.phase not in (Phase.SCHEDULED, Phase.REVIEW, Phase.GROUP, Phase.VOTE):
        raise ValidationError(_("This meeting cannot move on from here."))
    target = PHASE_ORDER[PHASE_ORDER.index(locked.phase) + 1]
    if target == Phase.REVIEW:
        _start(locked, actor)
    elif target == Phase.VOTE:
        _open_voting(locked)
    elif target == Phase.DECIDE:
        ballots_count(locked)
        now = timezone.now()
        locked.voting_closes_at = min(locked.voting_closes_at or now, now)
    locked.phase = target
    locked.state_version = F("state_version") + 1
    locked.save(update_fields=["phase", "state_version", "voting_opens_at", "voting_closes_at"])
    locked.refresh_from_db()
    return locked


EARLY_VOTING_PHASES = (Phase.SCHEDULED, Phase.REVIEW)


def early_ballot_themes(meeting: Meeting):
    """The themes voting opened now would hold: those the meeting's agenda carries over."""
    if meeting.phase == Phase.SCHEDULED:
        return Theme.objects.in_forum(meeting.forum).current().filter(status__in=CARRIED_OVER)
    return Theme.objects.filter(meeting_themes__meeting=meeting)


@transaction.atomic
def voting_open_early(*, meeting: Meeting, actor: User, expected: str) -> Meeting:
    """Open voting before the meeting's vote phase, on the themes its agenda carries over.

    For members who cannot come: they vote from any device until the window closes. The
    meeting starts (new issues go on its agenda) and moves straight to voting; it can go
    back to grouping while nobody has voted.
    """
    require(meeting.forum, actor, "run_meetings")
    locked = lock(meeting)
    if locked.phase != expected:
        raise ValidationError(
            _("The meeting has already moved on to “%(phase)s”.")
            % {"phase": locked.get_phase_display()}
        )
    if locked.phase not in EARLY_VOTING_PHASES:
        raise ValidationError(
            _("Voting opens early only before grouping starts. Use “Open voting” instead.")
        )
    if locked.phase == Phase.SCHEDULED:
        _start(locked, actor)
    if not locked.meeting_themes.exists():
        raise ValidationError(
            _("The agenda has no themes to vote on yet. Group the issues into themes first.")
        )
    _open_voting(locked)
    locked.phase = Phase.VOTE
    locked.state_version = F("state_version") + 1
    locked.save(update_fields=["phase", "state_version", "voting_opens_at", "voting_closes_at"])
    locked.refresh_from_db()
    return locked


@transaction.atomic
def meeting_step_back(*, meeting: Meeting, actor: User, expected: str) -> Meeting:
    """Go back one phase where that is safe: group → review, or vote → group before anyone votes.

    Once voting is closed the results have been seen, so there is no way back into voting.
    """
    require(meeting.forum, actor, "run_meetings")
    locked = lock(meeting)
    if locked.phase != expected:
        raise ValidationError(
            _("The meeting has already moved on to “%(phase)s”.")
            % {"phase": locked.get_phase_display()}
        )
    if locked.phase == Phase.GROUP:
        target = Phase.REVIEW
    elif locked.phase == Phase.VOTE:
        if locked.receipts.exists():
            raise ValidationError(
                _("People have already voted, so voting cannot be reopened for regrouping.")
            )
        locked.tallies.all().delete()
        target = Phase.GROUP
    else:
        raise ValidationError(_("The meeting cannot go back from this phase."))
    locked.phase = target
    locked.state_version = F("state_version") + 1
    locked.save(update_fields=["phase", "state_version"])
    locked.refresh_from_db()
    return locked


@transaction.atomic
def meeting_attend(*, meeting: Meeting, user: User) -> bool:
    """Count a member as attending a running meeting. True when newly counted."""
    if meeting.phase not in LIVE_PHASES or not can_in(meeting.forum, user, "take_part"):
        return False
    try:
        with transaction.atomic():
            Attendance.objects.create(meeting=meeting, user=user)
    except IntegrityError:
        return False
    bump(meeting)
    return True


def _require_agenda_open(meeting: Meeting) -> None:
    if not meeting.is_open_for_change:
        raise ValidationError(_("The agenda of a finished meeting cannot change."))


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, actor: User, title: str, notes: str = "") -> AgendaItem:
    """Add a free item at the end of the agenda."""
    require(meeting.forum, actor, "run_meetings")
    _require_agenda_open(meeting)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Say what the item is.")})
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting, title=title[:200], notes=notes.strip(), position=last + 1
    )
    bump(meeting)
    return item


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, actor: User, direction: str) -> None:
    """Swap a free item with its neighbour above ("up") or below ("down")."""
    meeting = item.meeting
    require(meeting.forum, actor, "run_meetings")
    _require_agenda_open(meeting)
    items = list(AgendaItem.objects.select_for_update().filter(meeting=meeting))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(items):
        return
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    bump(meeting)


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, actor: User, order: list[int]) -> None:
    """Put the free items in the order given (ids); ids not named keep their place after."""
    require(meeting.forum, actor, "run_meetings")
    _require_agenda_open(meeting)
    items = {
        item.pk: item for item in AgendaItem.objects.select_for_update().filter(meeting=meeting)
    }
    ordered = [items.pop(pk) for pk in order if pk in items]
    _renumber(ordered + sorted(items.values(), key=lambda i: (i.position, i.pk)))
    bump(meeting)


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, actor: User) -> None:
    require(item.meeting.forum, actor, "run_meetings")
    _require_agenda_open(item.meeting)
    item.delete()
    bump(item.meeting)
