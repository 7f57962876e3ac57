"""Who may do what with meetings. Reach (which forum) is checked by ``forum_role_required``."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from forum_app.models import PARTICIPANT_ROLES, Forum, Membership, Role
from meetings.models import Meeting


def can_run(membership: Membership) -> bool:
    """Convenors schedule meetings, change phases, shape themes and record decisions."""
    return membership.role == Role.CONVENOR


def get_meeting_for(request: HttpRequest, pk: int) -> Meeting:
    """The meeting in the request's forum, or 404."""
    return get_object_or_404(Meeting.objects.select_related("forum"), pk=pk, forum=request.forum)


def role_in(forum: Forum, user) -> str | None:
    """The person's active role in ``forum``, or None."""
    return (
        Membership.objects.active()
        .filter(forum=forum, user=user)
        .values_list("role", flat=True)
        .first()
    )


def require_convenor(forum: Forum, user) -> None:
    """Refuse a change to a meeting by anyone but an active convenor of its forum."""
    if role_in(forum, user) != Role.CONVENOR:
        raise ValidationError(_("Only a convenor of this forum can do that."))


def is_participant_role(role: str | None) -> bool:
    return role in PARTICIPANT_ROLES
