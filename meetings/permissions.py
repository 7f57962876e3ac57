"""Meeting lookups that answer 404 outside the request's forum.

Who may run a meeting is in ``forum_app.permissions`` (the one access table).
"""

from django.shortcuts import get_object_or_404

from forum_app.http import ForumRequest
from meetings.models import Meeting


def get_meeting_for(request: ForumRequest, pk: int) -> Meeting:
    """The meeting in the request's forum, or 404."""
    return get_object_or_404(Meeting.objects.select_related("forum"), pk=pk, forum=request.forum)
