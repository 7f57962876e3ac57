"""Deciding what to do about each theme, closing the meeting, and its minutes."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import User
from forum_app.notifications import notify_each
from forum_app.permissions import require
from issues.models import OPEN_STATUSES, IssueEvent, Status
from issues.services import issue_news_record, issue_set_status
from meetings.minutes import minutes_sections
from meetings.models import (
    OUTCOME_THEME_STATUS,
    Decision,
    Meeting,
    Minutes,
    MinutesRevision,
    Outcome,
    Phase,
    Theme,
)
from meetings.services.ballots import results
from meetings.services.running import bump, lock
from meetings.services.schedule import next_meeting_times

ISSUE_STATUS_FOR = {Outcome.ESCALATE: Status.ESCALATED, Outcome.RESOLVE_LOCALLY: Status.RESOLVED}


@dataclass(frozen=True)
class DecisionData:
    outcome: str
    problem_statement: str = ""
    proposed_solution: str = ""
    ask: str = ""
    leader: User | None = None
    response_by: date | None = None
    owner: str = ""
    notes: str = ""


def leaders_of(forum) -> list[User]:
    """Senior leaders a theme can be escalated to: people with the leader role in the forum."""
    return list(User.objects.leaders_of(forum))


def _check(meeting: Meeting, data: DecisionData) -> None:
    errors = {}
    if data.outcome not in Outcome.values:
        errors["outcome"] = _("Choose what the meeting decided.")
    elif data.outcome == Outcome.ESCALATE:
        if not data.problem_statement.strip():
            errors["problem_statement"] = _("State the problem the leader is asked to solve.")
        if not data.ask.strip():
            errors["ask"] = _("Say exactly what you are asking the leader to do.")
        if data.leader is None:
            errors["leader"] = _("Choose the senior leader who should answer.")
        elif data.leader not in leaders_of(meeting.forum):
            errors["leader"] = _("Choose one of the forum's senior leaders.")
        if data.response_by is None:
            errors["response_by"] = _("Give the date a response is needed by.")
        elif data.response_by <= timezone.localdate(timezone.now(), meeting.forum.tzinfo):
            errors["response_by"] = _("The response date must be in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_record(*, meeting: Meeting, actor: User, theme: Theme, data: DecisionData) -> Decision:
    """Record (or revise) what the meeting decided about one theme on its ballot."""
    require(meeting.forum, actor, "run_meetings")
    if meeting.phase != Phase.DECIDE:
        raise ValidationError(_("Decisions are recorded after voting closes."))
    if not meeting.tallies.filter(theme=theme).exists():
        raise ValidationError(_("That theme was not on this meeting's ballot."))
    _check(meeting, data)
    escalating = data.outcome == Outcome.ESCALATE
    decision, _created = Decision.objects.update_or_create(
        meeting=meeting,
        theme=theme,
        defaults={
            "outcome": data.outcome,
            "problem_statement": data.problem_statement.strip(),
            "proposed_solution": data.proposed_solution.strip(),
            "ask": data.ask.strip(),
            "leader": data.leader if escalating else None,
            "response_by": data.response_by if escalating else None,
            "owner": data.owner.strip(),
            "notes": data.notes.strip(),
        },
    )
    bump(meeting)
    return decision


def minutes_context(meeting: Meeting) -> dict:
    """What the minutes record: attendance count, dots, decisions, actions, next meeting."""
    decisions = {
        d.theme_id: d for d in meeting.decisions.select_related("theme", "leader").order_by("pk")
    }
    upcoming = (
        Meeting.objects.in_forum(meeting.forum)
        .filter(phase=Phase.SCHEDULED, starts_at__gt=meeting.starts_at)
        .order_by("starts_at")
        .first()
    )
    suggested = next_meeting_times(meeting)[0] if upcoming is None else None
    ranked = results(meeting) if meeting.results_visible else []
    previous = Meeting.objects.held_before(meeting).values_list("starts_at", flat=True).first()
    return {
        "meeting": meeting,
        "forum": meeting.forum,
        "attendance": meeting.attendances.count(),
        "ballots": meeting.receipts.count(),
        "results": ranked,
        "decisions": [decisions[r.theme.pk] for r in ranked if r.theme.pk in decisions],
        "actions": [d for d in decisions.values() if d.owner],
        "agenda_items": list(meeting.agenda_items.all()),
        "next_meeting": upcoming,
        "suggested_next": suggested,
        "sections": minutes_sections(meeting.forum, previous, timezone.now()),
    }


def minutes_draft(meeting: Meeting) -> str:
    with timezone.override(meeting.forum.tzinfo):
        return render_to_string("meetings/minutes_body.md", minutes_context(meeting)).strip()


def _apply_decisions(meeting: Meeting, actor: User) -> None:
    for decision in meeting.decisions.select_related("theme"):
        theme = decision.theme
        theme.status = OUTCOME_THEME_STATUS[decision.outcome]
        theme.save(update_fields=["status"])
        links = list(
            theme.theme_issues.select_related("issue__forum").filter(
                issue__status__in=OPEN_STATUSES
            )
        )
        issue_news_record(
            issues=[link.issue for link in links],
            kind=IssueEvent.Kind.DECIDED,
            text=_("The meeting on %(day)s decided on the theme “%(theme)s”: %(outcome)s.")
            % {
                "day": timezone.localdate(meeting.starts_at, meeting.forum.tzinfo).strftime(
                    "%-d %B %Y"
                ),
                "theme": theme.name,
                "outcome": decision.get_outcome_display(),
            },
        )
        status = ISSUE_STATUS_FOR.get(decision.outcome)
        if status is None:
            continue
        for link in links:
            issue_set_status(issue=link.issue, status=status, actor=actor)


@transaction.atomic
def meeting_close(*, meeting: Meeting, actor: User) -> Minutes:
    """Close the meeting: themes take their decided status and draft minutes are written."""
    require(meeting.forum, actor, "run_meetings")
    locked = lock(meeting)
    if locked.phase != Phase.DECIDE:
        raise ValidationError(_("Close the vote and record decisions before closing."))
    _apply_decisions(locked, actor)
    locked.phase = Phase.CLOSED
    locked.state_version = F("state_version") + 1
    locked.save(update_fields=["phase", "state_version"])
    locked.refresh_from_db()
    minutes, _created = Minutes.objects.get_or_create(
        meeting=locked, defaults={"body": minutes_draft(locked)}
    )
    return minutes


@transaction.atomic
def minutes_update(*, minutes: Minutes, actor: User, body: str) -> Minutes:
    """Edit the minutes before they are published."""
    require(minutes.meeting.forum, actor, "run_meetings")
    locked = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if locked.published_at is not None:
        raise ValidationError(_("Published minutes cannot be changed."))
    if not body.strip():
        raise ValidationError({"body": _("The minutes cannot be empty.")})
    locked.body = body.strip()
    locked.save(update_fields=["body", "updated_at"])
    return locked


CORRECTION_NOTE_LIMIT = MinutesRevision._meta.get_field("note").max_length


@transaction.atomic
def minutes_correct(*, minutes: Minutes, actor: User, body: str, note: str) -> Minutes:
    """Correct published minutes: the new text replaces the old, which is kept as a version.

    ``note`` says in one line what was corrected; it is shown with the earlier version.
    """
    require(minutes.meeting.forum, actor, "run_meetings")
    locked = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if locked.published_at is None:
        raise ValidationError(_("Draft minutes are edited, not corrected. Save your changes."))
    body, note = body.strip(), " ".join(note.split())
    errors = {}
    if not body:
        errors["body"] = _("The minutes cannot be empty.")
    elif body == locked.body:
        errors["body"] = _("Nothing is different from the published minutes. Make the correction.")
    if not note:
        errors["note"] = _("Say in one line what you corrected.")
    elif len(note) > CORRECTION_NOTE_LIMIT:
        errors["note"] = _("Keep the note to %(n)s characters or fewer.") % {
            "n": CORRECTION_NOTE_LIMIT
        }
    if errors:
        raise ValidationError(errors)
    MinutesRevision.objects.create(
        minutes=locked,
        number=locked.revisions.count() + 1,
        body=locked.body,
        note=note,
        corrected_at=timezone.now(),
        corrected_by=actor,
    )
    locked.body = body
    locked.save(update_fields=["body", "updated_at"])
    bump(locked.meeting)
    return locked


@transaction.atomic
def minutes_publish(*, minutes: Minutes, actor: User) -> Minutes:
    """Publish the minutes; every member gets an email with the link and the PDF."""
    meeting = minutes.meeting
    require(meeting.forum, actor, "run_meetings")
    published = Minutes.objects.filter(pk=minutes.pk, published_at=None).update(
        published_at=timezone.now()
    )
    if not published:
        raise ValidationError(_("These minutes are already published."))
    bump(meeting)
    args = [meeting.forum.slug, meeting.pk]
    context = {
        "forum": meeting.forum.name,
        "title": meeting.title,
        "when": timezone.localtime(meeting.starts_at, meeting.forum.tzinfo).strftime("%-d %B %Y"),
        "link": settings.SITE_URL + reverse("meetings:minutes", args=args),
        "pdf_link": settings.SITE_URL + reverse("meetings:minutes_pdf", args=args),
    }
    notify_each(
        "meeting_minutes",
        User.objects.members_of(meeting.forum),
        forum=meeting.forum,
        key={"meeting": meeting.pk},
        context=context,
    )
    return Minutes.objects.get(pk=minutes.pk)
