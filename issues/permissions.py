"""Issue lookups that answer 404 outside the request's forum.

Who may do what with issues is in ``forum_app.permissions`` (the one access table).
"""

from django.shortcuts import get_object_or_404

from forum_app.http import ForumRequest
from issues.models import Comment, Issue


def get_issue_for(request: ForumRequest, pk: int) -> Issue:
    """The issue in the request's forum, or 404."""
    return get_object_or_404(Issue.objects.in_forum(request.forum).for_display(), pk=pk)


def get_comment_for(request: ForumRequest, pk: int) -> Comment:
    """A comment on an issue of the request's forum, or 404."""
    return get_object_or_404(
        Comment.objects.select_related("issue"), pk=pk, issue__forum=request.forum
    )
