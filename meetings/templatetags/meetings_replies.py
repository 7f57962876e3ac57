"""For the convenor: how many members said they will come, and how many will vote remotely."""

from django import template

from meetings.models import Meeting
from meetings.services.voting import rsvp_counts

register = template.Library()


@register.inclusion_tag("meetings/includes/replies.html")
def meeting_replies(meeting: Meeting) -> dict:
    counts = rsvp_counts(meeting)
    return {"attend": counts["attend"], "remote": counts["remote"], "meeting": meeting}
