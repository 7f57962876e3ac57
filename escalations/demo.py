"""Demo data: one sent brief with a response and a commitment, from the demo escalate decision."""

import datetime

from django.utils import timezone

from escalations.models import Brief
from escalations.services import briefs as services
from forum_app.models import Forum, Membership, Role
from meetings.models import Decision, Outcome


def seed_briefs(forum: Forum) -> int:
    """Turn the forum's first escalate decision into a sent, answered brief. Returns briefs made."""
    if Brief.objects.in_forum(forum).exists():
        return 0
    decision = (
        Decision.objects.filter(
            meeting__forum=forum, outcome=Outcome.ESCALATE, leader__isnull=False
        )
        .select_related("theme", "leader")
        .first()
    )
    convenor = (
        Membership.objects.active().filter(forum=forum, role=Role.CONVENOR).select_related("user")
    ).first()
    if decision is None or convenor is None:
        return 0
    brief = services.brief_create(
        forum=forum, actor=convenor.user, theme=decision.theme, decision=decision
    )
    if brief.response_by < timezone.localdate():
        brief.response_by = timezone.localdate() + datetime.timedelta(days=21)
        brief.save(update_fields=["response_by"])
    services.brief_send(brief=brief, actor=convenor.user)
    leader = decision.leader
    services.brief_acknowledge(brief=brief, actor=leader)
    services.brief_respond(
        brief=brief,
        actor=leader,
        position="accept_in_part",
        reasons="We agree caseloads are too high. A cap needs funding; we will review it first.",
    )
    services.commitment_add(
        brief=brief,
        actor=leader,
        what="Review caseloads in the three teams named and report back to the forum.",
        owner="Head of Service, Children's Social Care",
        due_on=timezone.localdate() + datetime.timedelta(days=42),
    )
    return 1
