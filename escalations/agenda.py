"""Leaders' responses and overdue follow-ups, for the next meeting's agenda."""

import datetime

from django.utils.translation import gettext as _

from escalations.models import Brief, Commitment, Response
from forum_app.models import Forum
from meetings.agenda import AgendaEntry


def agenda_entries(forum: Forum, since: datetime.date | None) -> list[AgendaEntry]:
    """Responses received since the last meeting, and overdue briefs and commitments."""
    entries = []
    responses = Response.objects.filter(brief__forum=forum).select_related("brief__forum")
    if since:
        responses = responses.filter(created_at__date__gte=since)
    for response in responses.order_by("created_at")[:20]:
        entries.append(
            AgendaEntry(
                title=_("Response to %(ref)s") % {"ref": response.brief.reference},
                detail=response.get_position_display(),
                url=response.brief.get_absolute_url(),
            )
        )
    for brief in Brief.objects.overdue(forum).select_related("forum").order_by("response_by")[:20]:
        entries.append(
            AgendaEntry(
                title=_("No response yet to %(ref)s") % {"ref": brief.reference},
                detail=_("Response was due %(date)s")
                % {"date": brief.response_by.strftime("%-d %B %Y")},
                url=brief.get_absolute_url(),
            )
        )
    overdue = Commitment.objects.overdue(forum).select_related("brief__forum").order_by("due_on")
    for commitment in overdue[:20]:
        entries.append(
            AgendaEntry(
                title=_("Overdue commitment (%(ref)s)") % {"ref": commitment.brief.reference},
                detail=commitment.what[:120],
                url=commitment.brief.get_absolute_url(),
            )
        )
    return entries
