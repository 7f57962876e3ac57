"""Who may do what with issues. Reach (which forum) is checked by ``forum_role_required``."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from forum_app.models import Membership, Role
from issues.models import Comment, Issue


def can_moderate(membership: Membership) -> bool:
    """Convenors hide, merge, change status and edit any issue."""
    return membership.role == Role.CONVENOR


def can_edit(membership: Membership, issue: Issue) -> bool:
    """The named raiser and convenors may edit; nobody may edit a merged issue."""
    if issue.merged_into_id is not None:
        return False
    if can_moderate(membership):
        return True
    return not issue.is_anonymous and issue.author_id == membership.user_id


def get_issue_for(request: HttpRequest, pk: int) -> Issue:
    """The issue in the request's forum, or 404."""
    return get_object_or_404(Issue.objects.in_forum(request.forum).for_display(), pk=pk)


def get_comment_for(request: HttpRequest, pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("issue"), pk=pk, issue__forum=request.forum
    )
