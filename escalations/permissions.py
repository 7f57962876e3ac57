"""Brief lookups that answer 404. Leaders reach only the sent briefs addressed to them.

Who may write or answer briefs is in ``forum_app.permissions`` (the one access table).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from escalations.models import Brief, Commitment
from forum_app.models import Forum, Membership
from forum_app.permissions import roles_that_can


def _answers_briefs_in(user, forum_id: int) -> bool:
    return (
        Membership.objects.active()
        .filter(forum_id=forum_id, user=user, role__in=list(roles_that_can("answer_briefs")))
        .exists()
    )


def get_brief_for_leader(user, pk: int) -> Brief:
    """A sent brief addressed to ``user`` in a forum they lead, or 404."""
    brief = get_object_or_404(
        Brief.objects.addressed_to(user).select_related("forum", "theme"), pk=pk
    )
    if not _answers_briefs_in(user, brief.forum_id):
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
    """A brief of ``forum``; drafts only for those who write briefs."""
    briefs = Brief.objects.in_forum(forum).select_related("forum", "theme", "decision")
    if not drafts:
        briefs = briefs.sent()
    return get_object_or_404(briefs, pk=pk)
