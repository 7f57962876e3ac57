"""The forum home's voting panel: votes open now, and the next meeting with the member's reply."""

from django import template
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from meetings.models import BallotReceipt, Meeting, Phase, Rsvp
from meetings.services.voting import WINDOW_PHASES, closes_text

register = template.Library()


@register.inclusion_tag("meetings/includes/voting_panel.html", takes_context=True)
def voting_panel(context) -> dict:
    """Two queries, however many meetings the forum has."""
    forum, user = context["forum"], context["request"].user
    now = timezone.now()
    meetings = Meeting.objects.in_forum(forum).select_related("forum")
    open_votes = list(
        meetings.filter(phase=Phase.VOTE, voting_closes_at__gt=now)
        .annotate(voted=Exists(BallotReceipt.objects.filter(meeting=OuterRef("pk"), user=user)))
        .order_by("voting_closes_at")
    )
    for meeting in open_votes:
        meeting.closes = closes_text(meeting)
    upcoming = (
        meetings.filter(phase__in=WINDOW_PHASES[:-1], ends_at__gt=now)
        .annotate(
            my_answer=Subquery(
                Rsvp.objects.filter(meeting=OuterRef("pk"), user=user).values("answer")[:1]
            )
        )
        .order_by("starts_at")
        .first()
    )
    if upcoming is not None:
        local = timezone.localtime(upcoming.starts_at, forum.tzinfo)
        upcoming.when = f"{date_format(local, 'l j F')}, {local:%H:%M}"
    return {
        "forum": forum,
        "open_votes": open_votes,
        "next_meeting": upcoming,
        "answers": Rsvp.Answer,
        "csrf_token": context.get("csrf_token"),
    }
