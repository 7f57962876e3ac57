"""The voting window: members vote from anywhere until it closes, then the ballots are counted.

Voting opens when the meeting moves to its vote phase and stays open until
``Meeting.voting_closes_at`` (by default the forum's number of hours after the meeting ends).
The meeting stays in its vote phase all that time; results are hidden and decisions wait. When
the window closes (the sweeper, every minute) or the convenor closes it early, every ballot is
counted at once and the meeting moves on to deciding. A day before the window closes, members
who have not voted are reminded; the reminder names nobody and says nothing of who has voted.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from forum_app.models import User
from forum_app.notifications import notify_each
from forum_app.permissions import can_in, require
from meetings.models import BallotReceipt, Meeting, Phase, Rsvp
from meetings.services.ballots import ballots_count
from meetings.services.running import lock

# Members who have not voted hear this long before the window closes.
REMIND_BEFORE = timedelta(days=1)
WINDOW_PHASES = (Phase.SCHEDULED, Phase.REVIEW, Phase.GROUP, Phase.VOTE)


def closes_text(meeting: Meeting) -> str:
    """When voting closes, in the forum's time: "Thursday 4 December, 17:00"."""
    local = timezone.localtime(meeting.voting_closes_at, meeting.forum.tzinfo)
    return f"{date_format(local, 'l j F')}, {local:%H:%M}"


@transaction.atomic
def voting_window_set(*, meeting: Meeting, actor: User, closes_at: datetime) -> Meeting:
    """Set when voting closes. It must lie in the future, after the meeting starts."""
    require(meeting.forum, actor, "run_meetings")
    locked = lock(meeting)
    if locked.phase not in WINDOW_PHASES:
        raise ValidationError(_("Voting in this meeting has already closed."))
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("Choose a time in the future.")})
    if closes_at <= locked.starts_at:
        raise ValidationError({"closes_at": _("Choose a time after the meeting starts.")})
    locked.voting_closes_at = closes_at
    locked.state_version = F("state_version") + 1
    locked.save(update_fields=["voting_closes_at", "state_version"])
    locked.refresh_from_db()
    return locked


def _close(locked: Meeting) -> None:
    ballots_count(locked)
    locked.phase = Phase.DECIDE
    locked.voting_closes_at = min(locked.voting_closes_at or timezone.now(), timezone.now())
    locked.state_version = F("state_version") + 1
    locked.save(update_fields=["phase", "voting_closes_at", "state_version"])


@transaction.atomic
def voting_close(*, meeting: Meeting, actor: User) -> Meeting:
    """Close voting now, before its window ends, and count every ballot."""
    require(meeting.forum, actor, "run_meetings")
    locked = lock(meeting)
    if locked.phase != Phase.VOTE:
        raise ValidationError(_("Voting in this meeting is not open."))
    _close(locked)
    locked.refresh_from_db()
    return locked


def votes_close_due(now: datetime | None = None) -> int:
    """Count the ballots of every meeting whose voting window has closed; returns how many.

    Safe to run twice or at once: each meeting is locked and checked again before counting.
    """
    now = now or timezone.now()
    due = Meeting.objects.filter(phase=Phase.VOTE, voting_closes_at__lte=now)
    closed = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            locked = due.select_for_update(skip_locked=True).filter(pk=pk).first()
            if locked is None:
                continue
            _close(locked)
            closed += 1
    return closed


def _reminder_context(meeting: Meeting) -> dict:
    link = reverse("meetings:vote", args=[meeting.forum.slug, meeting.pk])
    return {
        "forum": meeting.forum.name,
        "title": meeting.title,
        "closes": closes_text(meeting),
        "link": settings.SITE_URL + link,
    }


def remote_voters_tell(meeting: Meeting) -> int:
    """Tell the members who said "I'll vote remotely" that voting is open, with the link.

    Called in the transaction that opens voting, before anyone can have voted, so it says
    nothing about who has. Returns how many notices were queued.
    """
    remote = Rsvp.objects.filter(meeting=meeting, answer=Rsvp.Answer.REMOTE).values("user_id")
    return notify_each(
        "voting_open",
        User.objects.members_of(meeting.forum).filter(pk__in=remote),
        forum=meeting.forum,
        key={"meeting": meeting.pk},
        context=_reminder_context(meeting),
        about=meeting,
    )


def rsvp_counts(meeting: Meeting) -> dict[str, int]:
    """How many members said they will be there, and how many will vote remotely (no names)."""
    counts = dict.fromkeys(Rsvp.Answer.values, 0)
    rows = Rsvp.objects.filter(meeting=meeting, user__in=User.objects.members_of(meeting.forum))
    for answer, n in rows.values_list("answer").annotate(n=Count("pk")).order_by():
        counts[answer] = n
    return counts


def vote_reminders_queue(now: datetime | None = None) -> int:
    """Remind members who have not voted, once per meeting, a day before voting closes.

    Only windows longer than a day get a reminder (a shorter one has only just opened).
    Returns how many reminders were queued.
    """
    now = now or timezone.now()
    due = Meeting.objects.filter(
        phase=Phase.VOTE,
        vote_reminders_at=None,
        voting_closes_at__gt=now,
        voting_closes_at__lte=now + REMIND_BEFORE,
        voting_opens_at__lt=F("voting_closes_at") - REMIND_BEFORE,
    ).select_related("forum")
    queued = 0
    for meeting in due:
        with transaction.atomic():
            claimed = Meeting.objects.filter(pk=meeting.pk, vote_reminders_at=None).update(
                vote_reminders_at=now
            )
            if not claimed:
                continue
            context = _reminder_context(meeting)
            voted = BallotReceipt.objects.filter(meeting=meeting).values("user_id")
            queued += notify_each(
                "vote_reminder",
                User.objects.members_of(meeting.forum).exclude(pk__in=voted),
                forum=meeting.forum,
                key={"meeting": meeting.pk},
                context=context,
                about=meeting,
            )
    return queued


def voting_sweep() -> dict[str, int]:
    """The periodic job: close due windows, then queue due reminders."""
    return {"closed": votes_close_due(), "reminded": vote_reminders_queue()}


@transaction.atomic
def meeting_rsvp(*, meeting: Meeting, user: User, answer: str) -> Rsvp:
    """Record whether a member will come to a meeting or vote remotely; a new answer replaces it."""
    if not can_in(meeting.forum, user, "take_part"):
        raise ValidationError(_("Only members of the forum answer for meetings."))
    if meeting.phase not in WINDOW_PHASES:
        raise ValidationError(_("This meeting has finished."))
    if answer not in Rsvp.Answer.values:
        raise ValidationError(_("Choose whether you will be there or vote remotely."))
    rsvp, _created = Rsvp.objects.update_or_create(
        meeting=meeting, user=user, defaults={"answer": answer}
    )
    return rsvp
