"""Calendar files (iCalendar, RFC 5545) for meetings.

The UID stays the same for a meeting's whole life and SEQUENCE goes up with each change of
time or place, so calendar apps update one entry; a cancelled meeting is sent as CANCEL.
Each file is made for one person: the forum is the ORGANIZER and that person the only
ATTENDEE, so strict calendar apps (RFC 5546) show an invitation, not a plain event. Nobody is
asked to reply (RSVP=FALSE): the forum's address reads no replies.
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


def _attendee(name: str, email: str) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["cn"] = vText(name or email)
    attendee.params["cutype"] = vText("INDIVIDUAL")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("FALSE")
    return attendee


def meeting_ics(meeting: Meeting, attendee: tuple[str, str] | None = None) -> bytes:
    """The meeting as a one-event calendar: METHOD REQUEST, or CANCEL once cancelled.

    ``attendee`` is the (name, email address) of the person the file is for.
    """
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
    if attendee is not None:
        event.add("attendee", _attendee(*attendee))
    cal.add_component(event)
    return cal.to_ical()


def invitation_attachment(row) -> tuple[str, str, str] | None:
    """The calendar file for a meeting email, as the meeting stands when it is sent.

    Made for the email's one recipient, who is its attendee.
    """
    meeting = (
        Meeting.objects.select_related("forum").filter(pk=row.context.get("meeting_id")).first()
    )
    if meeting is None:
        return None
    name = str(row.recipient) if row.recipient_id else ""
    calendar = meeting_ics(meeting, attendee=(name, row.email))
    return ("meeting.ics", calendar.decode(), "text/calendar")
