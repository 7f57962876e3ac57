"""Answering briefs: a leader's acknowledgement, position and commitments, the brief's status,
and members' anonymous "did it make a difference?" answers.

Every function here is keyword-only, atomic and takes the acting person. Emails go through
the outbox inside the same transaction, so they are sent once and only if the change stands.
"""

import datetime
from collections import Counter

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from escalations.models import (
    AWAITING_RESPONSE,
    Brief,
    BriefEvent,
    BriefStatus,
    Commitment,
    DifferenceAnswer,
    DifferenceReceipt,
    DifferenceTally,
    ProgressNote,
    Response,
)
from escalations.services.common import (
    brief_event,
    email_context,
    person_name,
    shorten,
    tell_followers,
)
from escalations.services.followups import cancel_due_reminders
from forum_app.models import User
from forum_app.notifications import notify_each
from forum_app.sealed_box import Box, sealed_open, sealed_put, sealed_waiting
from issues.models import IssueEvent


@transaction.atomic
def brief_acknowledge(*, brief: Brief, actor: User) -> Brief:
    """A leader says they have the brief. Convenors are told, and followers in their digest."""
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if brief.status != BriefStatus.SENT:
        return brief
    brief.status = BriefStatus.ACKNOWLEDGED
    brief.save(update_fields=["status", "updated_at"])
    brief_event(
        brief,
        BriefEvent.Kind.ACKNOWLEDGED,
        actor=actor,
        text=_("Acknowledged by %(name)s.") % {"name": actor.display_name or actor.email},
    )
    _tell_convenors(brief, event="acknowledged", actor=actor)
    # Followers hear it too: a leader has the brief, and when an answer is due.
    tell_followers(
        brief,
        IssueEvent.Kind.RESPONSE,
        _("%(name)s acknowledged the brief “%(title)s” and is to answer by %(date)s.")
        % {
            "name": person_name(actor),
            "title": brief.title,
            "date": date_format(brief.response_by, "j F Y"),
        },
    )
    return brief


POSITION_STATUS = {
    Response.Position.ACCEPT: BriefStatus.RESPONDED,
    Response.Position.ACCEPT_IN_PART: BriefStatus.RESPONDED,
    Response.Position.DECLINE: BriefStatus.DECLINED,
    Response.Position.NEED_MORE_TIME: BriefStatus.ACKNOWLEDGED,
}


@transaction.atomic
def brief_respond(*, brief: Brief, actor: User, position: str, reasons: str) -> Response:
    """Record a leader's position and reasons; the brief's status follows the position."""
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if not reasons.strip():
        raise ValidationError({"reasons": _("Give your reasons, so the forum understands.")})
    response = Response.objects.create(
        brief=brief, leader=actor, position=position, reasons=reasons.strip()
    )
    if brief.status not in (BriefStatus.IN_PROGRESS, BriefStatus.RESOLVED):
        brief.status = POSITION_STATUS[position]
        brief.save(update_fields=["status", "updated_at"])
    if position != Response.Position.NEED_MORE_TIME:
        cancel_due_reminders(brief)
    brief_event(
        brief,
        BriefEvent.Kind.RESPONDED,
        actor=actor,
        text=_("%(name)s: %(position)s.")
        % {"name": actor.display_name or actor.email, "position": response.get_position_display()},
    )
    _tell_convenors(brief, event=f"response:{response.pk}", actor=actor)
    tell_followers(
        brief,
        IssueEvent.Kind.RESPONSE,
        _("%(name)s answered the brief “%(title)s”: %(position)s. “%(reasons)s”")
        % {
            "name": person_name(actor),
            "title": brief.title,
            "position": response.get_position_display(),
            "reasons": shorten(response.reasons),
        },
    )
    return response


@transaction.atomic
def brief_set_status(*, brief: Brief, actor: User, status: str) -> Brief:
    """A convenor records where a sent brief stands (e.g. resolved or stalled)."""
    if brief.status == BriefStatus.DRAFT or status == BriefStatus.DRAFT:
        raise ValidationError(_("Send the brief before changing its status."))
    brief.status = status
    brief.save(update_fields=["status", "updated_at"])
    if status in (BriefStatus.RESOLVED, BriefStatus.DECLINED):
        cancel_due_reminders(brief)
    brief_event(brief, BriefEvent.Kind.STATUS, actor=actor, text=str(BriefStatus(status).label))
    if status == BriefStatus.RESOLVED:
        tell_followers(
            brief,
            IssueEvent.Kind.DIFFERENCE,
            _(
                "The brief “%(title)s” is resolved. Say whether it made a difference on the "
                "brief's page."
            )
            % {"title": brief.title},
        )
    else:
        tell_followers(
            brief,
            IssueEvent.Kind.PROGRESS,
            _("The brief “%(title)s” is now: %(status)s.")
            % {"title": brief.title, "status": BriefStatus(status).label},
        )
    return brief


def _tell_convenors(brief: Brief, *, event: str, actor: User) -> None:
    notify_each(
        "brief_response",
        User.objects.convenors_of(brief.forum),
        forum=brief.forum,
        key={"brief": brief.pk, "event": event},
        context=email_context(
            brief,
            status=brief.get_status_display(),
            leader=actor.display_name or actor.email,
            link=settings.SITE_URL + brief.get_absolute_url(),
        ),
    )


@transaction.atomic
def commitment_add(
    *, brief: Brief, actor: User, what: str, owner: str, due_on: datetime.date
) -> Commitment:
    """A leader commits to something by a date.

    The daily follow-up sweep reminds them a week before it is due and asks for an update after.
    """
    brief = Brief.objects.select_for_update().get(pk=brief.pk)
    if brief.status not in (*AWAITING_RESPONSE, BriefStatus.RESPONDED, BriefStatus.IN_PROGRESS):
        raise ValidationError(_("Commitments can be added while the brief is open."))
    commitment = Commitment.objects.create(
        brief=brief, what=what.strip(), owner=owner.strip(), due_on=due_on, made_by=actor
    )
    if brief.status in (*AWAITING_RESPONSE, BriefStatus.RESPONDED):
        Brief.objects.filter(pk=brief.pk).update(status=BriefStatus.IN_PROGRESS)
        brief.status = BriefStatus.IN_PROGRESS
    brief_event(
        brief,
        BriefEvent.Kind.COMMITMENT,
        actor=actor,
        text=_("%(what)s — %(owner)s, by %(due)s.")
        % {"what": commitment.what, "owner": commitment.owner, "due": due_on.strftime("%-d %B %Y")},
    )
    tell_followers(
        brief,
        IssueEvent.Kind.COMMITMENT,
        _("%(name)s made a commitment: %(what)s — %(owner)s, by %(due)s.")
        % {
            "name": person_name(actor),
            "what": shorten(commitment.what),
            "owner": commitment.owner,
            "due": due_on.strftime("%-d %B %Y"),
        },
    )
    return commitment


@transaction.atomic
def commitment_update(
    *, commitment: Commitment, actor: User, status: str, note: str = ""
) -> Commitment:
    """Move a commitment on and, optionally, say how it is going.

    Only the leader who made a commitment may change it; the note and the timeline say who.
    """
    if commitment.made_by_id != actor.pk:
        raise PermissionDenied(_("Only the leader who made this commitment can change it."))
    commitment.status = status
    commitment.save(update_fields=["status"])
    if note.strip():
        ProgressNote.objects.create(commitment=commitment, text=note.strip(), written_by=actor)
    brief_event(
        commitment.brief,
        BriefEvent.Kind.COMMITMENT_UPDATED,
        actor=actor,
        text=f"{commitment.what[:80]}: {commitment.get_status_display()}",
    )
    progress = _("The commitment “%(what)s” is now: %(status)s.") % {
        "what": shorten(commitment.what, 120),
        "status": commitment.get_status_display(),
    }
    if note.strip():
        progress = f"{progress} {shorten(note)}"
    tell_followers(commitment.brief, IssueEvent.Kind.PROGRESS, progress)
    return commitment


def difference_box(brief: Brief) -> Box:
    return Box(kind="difference", scope=str(brief.pk))


@transaction.atomic
def difference_answer(*, brief: Brief, actor: User, answer: str) -> bool:
    """Record one anonymous "Did this make a difference?" answer; False if they already answered.

    Who answered is a receipt; the answer waits sealed (``forum_app.sealed_box``) until at
    least k answers wait, then they are counted together, so no count ever moves by one
    person's answer.
    """
    if brief.status != BriefStatus.RESOLVED:
        raise ValidationError(_("You can say whether it made a difference once it is resolved."))
    if answer not in DifferenceAnswer.values:
        raise ValidationError({"answer": _("Choose one of the answers.")})
    _receipt, created = DifferenceReceipt.objects.get_or_create(brief=brief, user=actor)
    if not created:
        return False
    box = difference_box(brief)
    sealed_put(box=box, payload={"answer": answer})

    def count(answers: list[dict]) -> None:
        for value, n in sorted(Counter(a["answer"] for a in answers).items()):
            tally, _created = DifferenceTally.objects.get_or_create(brief=brief, answer=value)
            DifferenceTally.objects.filter(pk=tally.pk).update(count=F("count") + n)

    sealed_open(box=box, count=count, at_least=brief.forum.k_anonymity)
    return True


def difference_waiting(brief: Brief) -> int:
    """Answers not yet counted: they wait until there are enough to count together."""
    return sealed_waiting(difference_box(brief))
