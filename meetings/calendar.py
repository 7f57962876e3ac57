"""Calendar files (iCalendar, RFC 5545) for meetings.

The UID stays the same for a meeting's whole life and SEQUENCE goes up with each change of
time or place, so calendar apps update one entry; a cancelled meeting is sent as CANCEL.
"""

from email.utils import parseaddr
from urllib.parse import urlparse

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from meetings.models import Meeting, Phase


def meeting_uid(meeting: Meeting) -> str:
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    return f"meeting-{meeting.pk}@{host}"


def meeting_ics(meeting: Meeting) -> bytes:
    """The meeting as a one-event calendar: METHOD REQUEST, or CANCEL once cancelled."""
    cancelled = meeting.phase == Phase.CANCELLED
    link = settings.SITE_URL + reverse("meetings:detail", args=[meeting.forum.slug, meeting.pk])
    cal = Calendar()
    cal.add("prodid", "-//Social Work Forum//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", f"{meeting.title} – {meeting.forum.name}")
    location = meeting.place or meeting.video_link
    if location:
        event.add("location", location)
    description = [link]
    if meeting.video_link:
        description.insert(0, meeting.video_link)
    event.add("description", "\n".join(description))
    event.add("url", link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or 'forum@localhost'}")
    organizer.params["cn"] = vText(name or meeting.forum.name)
    event["organizer"] = organizer
    cal.add_component(event)
    return cal.to_ical()


def invitation_attachment(row) -> tuple[str, str, str] | None:
    """The calendar file for a meeting email, as the meeting stands when it is sent."""
    meeting = (
        Meeting.objects.select_related("forum").filter(pk=row.context.get("meeting_id")).first()
    )
    if meeting is None:
        return None
    return ("meeting.ics", meeting_ics(meeting).decode(), "text/calendar")
