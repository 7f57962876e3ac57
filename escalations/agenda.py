"""Leaders' responses and overdue follow-ups for the next agenda; briefs sent, for the minutes."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from escalations.models import Brief, BriefVersion, Commitment, Response
from forum_app.models import Forum
from meetings.agenda import AgendaEntry
from meetings.minutes import MinutesSection


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


def briefs_sent_section(
    forum: Forum, since: datetime.datetime | None, until: datetime.datetime
) -> MinutesSection | None:
    """The briefs sent since the last meeting, each with its fingerprint, for the minutes.

    Published minutes go to every member by email, so the fingerprints end up in many
    mailboxes outside the server: a stored brief can always be checked against them.
    """
    versions = BriefVersion.objects.filter(brief__forum=forum, sent_at__lte=until)
    if since is not None:
        versions = versions.filter(sent_at__gt=since)
    versions = versions.select_related("brief").defer("pdf", "html").order_by("sent_at", "pk")
    items = [
        _("%(ref)s version %(n)s, “%(title)s”, sent %(date)s. SHA-256: `%(sha)s`")
        % {
            "ref": version.brief.reference,
            "n": version.number,
            "title": version.snapshot.get("title", version.brief.title),
            "date": timezone.localtime(version.sent_at, forum.tzinfo).strftime("%-d %B %Y"),
            "sha": version.sha256,
        }
        for version in versions
    ]
    if not items:
        return None
    return MinutesSection(
        title=_("Briefs sent since the last meeting"),
        intro=_(
            "Each fingerprint identifies the exact PDF that was sent. Anyone can check a copy "
            "of a brief against it on the forum's “Check a brief” page."
        ),
        items=items,
    )
