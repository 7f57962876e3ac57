"""The agenda's link to members' proposals, with how many wait for the convenor."""

from django import template

from meetings.models import AgendaProposal, Meeting

register = template.Library()


@register.simple_tag
def proposals_waiting(meeting: Meeting) -> int:
    """One query: proposals for ``meeting`` the convenor has not yet answered."""
    return AgendaProposal.objects.filter(
        meeting=meeting, state=AgendaProposal.State.WAITING
    ).count()
