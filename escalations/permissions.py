"""Who may reach which brief. Leaders reach only the sent briefs addressed to them."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from escalations.models import Brief, Commitment
from forum_app.models import Forum, Membership, Role


def _leads(user, forum_id: int) -> bool:
    return (
        Membership.objects.active().filter(forum_id=forum_id, user=user, role=Role.LEADER).exists()
    )


def get_brief_for_leader(user, pk: int) -> Brief:
    """A sent brief addressed to ``user`` in a forum they lead, or 404."""
    brief = get_object_or_404(
        Brief.objects.addressed_to(user).select_related("forum", "theme"), pk=pk
    )
    if not _leads(user, brief.forum_id):
        raise Http404
    return brief


def get_commitment_for_leader(user, pk: int) -> Commitment:
    """A commitment ``user`` made, on a brief addressed to them, or 404.

    A leader sharing a brief with others reads their commitments but changes only their own.
    """
    commitment = get_object_or_404(Commitment.objects.select_related("brief"), pk=pk, made_by=user)
    get_brief_for_leader(user, commitment.brief_id)
    return commitment


def get_brief_in_forum(forum: Forum, pk: int, *, drafts: bool) -> Brief:
    """A brief of ``forum``; drafts only for those who write briefs (convenors)."""
    briefs = Brief.objects.in_forum(forum).select_related("forum", "theme", "decision")
    if not drafts:
        briefs = briefs.sent()
    return get_object_or_404(briefs, pk=pk)


def can_write_briefs(membership: Membership) -> bool:
    return membership.role == Role.CONVENOR
