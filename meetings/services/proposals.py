"""Members propose items for a meeting's agenda; the convenor accepts or declines them.

Accepting adds the item to the agenda's free items. Either way the proposer hears the
outcome in their digest (``agenda_proposal`` news), never as an email of its own.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import User
from forum_app.notifications import notify_each
from forum_app.permissions import require
from meetings.models import AgendaProposal, Meeting, Phase
from meetings.services.running import agenda_item_add

# Proposals are taken until the meeting starts running its agenda review.
PROPOSAL_PHASES = (Phase.SCHEDULED, Phase.REVIEW)
# Waiting proposals one person may have for one meeting: enough for anyone, not a flood.
MOST_WAITING = 5


def proposals_open(meeting: Meeting) -> bool:
    return meeting.phase in PROPOSAL_PHASES


@transaction.atomic
def agenda_proposal_create(
    *, meeting: Meeting, actor: User, title: str, why: str = ""
) -> AgendaProposal:
    """Ask the convenor to put an item on the agenda of a meeting not yet past its review."""
    require(meeting.forum, actor, "take_part", _("Only members of the forum propose agenda items."))
    if not proposals_open(meeting):
        raise ValidationError(_("This meeting’s agenda is settled, so it takes no more proposals."))
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Say what the item is.")})
    waiting = AgendaProposal.objects.filter(
        meeting=meeting, proposed_by=actor, state=AgendaProposal.State.WAITING
    )
    if waiting.count() >= MOST_WAITING:
        raise ValidationError(
            _(
                "You already have %(n)s proposals waiting for this meeting. "
                "Wait for the convenor to answer them before adding more."
            )
            % {"n": MOST_WAITING}
        )
    return AgendaProposal.objects.create(
        meeting=meeting, proposed_by=actor, title=title[:200], why=why.strip()
    )


def _claim(proposal: AgendaProposal, actor: User) -> AgendaProposal:
    require(proposal.meeting.forum, actor, "run_meetings")
    locked = (
        AgendaProposal.objects.select_for_update(of=("self",))
        .select_related("meeting__forum", "proposed_by")
        .get(pk=proposal.pk)
    )
    if locked.state != AgendaProposal.State.WAITING:
        raise ValidationError(
            _("This proposal has already been answered: %(state)s.")
            % {"state": locked.get_state_display().lower()}
        )
    if not locked.meeting.is_open_for_change:
        raise ValidationError(_("The agenda of a finished meeting cannot change."))
    return locked


@transaction.atomic
def agenda_proposal_accept(*, proposal: AgendaProposal, actor: User) -> AgendaProposal:
    """Put a waiting proposal on the agenda, at the end of the free items."""
    locked = _claim(proposal, actor)
    locked.agenda_item = agenda_item_add(
        meeting=locked.meeting, actor=actor, title=locked.title, notes=locked.why
    )
    locked.state = AgendaProposal.State.ACCEPTED
    locked.answered_at = timezone.now()
    locked.save(update_fields=["agenda_item", "state", "answered_at"])
    _tell(locked, _("It is on the agenda."))
    return locked


@transaction.atomic
def agenda_proposal_decline(
    *, proposal: AgendaProposal, actor: User, reason: str = ""
) -> AgendaProposal:
    """Decline a waiting proposal; the reason, if given, is passed on to the proposer."""
    locked = _claim(proposal, actor)
    locked.state = AgendaProposal.State.DECLINED
    locked.decline_reason = reason.strip()[:300]
    locked.answered_at = timezone.now()
    locked.save(update_fields=["state", "decline_reason", "answered_at"])
    outcome = _("The convenor did not put it on the agenda.")
    if locked.decline_reason:
        outcome = _("The convenor did not put it on the agenda: %(reason)s") % {
            "reason": locked.decline_reason
        }
    _tell(locked, outcome)
    return locked


def _tell(proposal: AgendaProposal, outcome: str) -> None:
    meeting = proposal.meeting
    notify_each(
        "agenda_proposal",
        [proposal.proposed_by],
        forum=meeting.forum,
        key={"proposal": proposal.pk},
        context={
            "forum": meeting.forum.name,
            "meeting": meeting.title,
            "title": proposal.title,
            "text": outcome,
            "link": settings.SITE_URL + meeting.get_absolute_url() + "#agenda",
        },
    )
