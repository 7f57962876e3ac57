"""Invitations with a calendar file, reminders that move with the meeting, cancellation."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from forum_app.models import Notification
from meetings import services
from meetings.services import MeetingData
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def data(starts_at: datetime, **changes) -> MeetingData:
    values = {
        "title": "March meeting",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1, minutes=30),
        "place": "Room 2, Civic Centre",
        "video_link": "",
    }
    return MeetingData(**(values | changes))


def soon(days: int = 14) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def ics(client, meeting):
    response = client.get(reverse("meetings:calendar", args=[meeting.forum.slug, meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return calendar, calendar.walk("VEVENT")[0]


def reminders(meeting):
    return Notification.objects.filter(
        kind="meeting_reminder", dedupe_key__startswith=f"meeting_reminder:{meeting.pk}:"
    )


def test_scheduling_invites_members_with_a_calendar_link(forum, convenor, member, leader):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    invited = Notification.objects.filter(kind="meeting_scheduled")
    assert set(invited.values_list("email", flat=True)) == {member.email, convenor.email}
    row = invited.get(email=member.email)
    assert row.context["calendar_link"].endswith(f"/meetings/{meeting.pk}/calendar.ics")
    calendar, event = ics(client_for(member), meeting)
    assert calendar["METHOD"] == "REQUEST"
    assert event["SUMMARY"].startswith("March meeting")
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event["LOCATION"] == "Room 2, Civic Centre"
    assert int(event["SEQUENCE"]) == 0


def test_reminders_wait_for_a_week_and_a_day_before(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    due = sorted(set(reminders(meeting).values_list("due_at", flat=True)))
    assert due == [meeting.starts_at - timedelta(days=7), meeting.starts_at - timedelta(days=1)]
    assert reminders(meeting).filter(status=Notification.Status.PENDING).count() == 4


def test_rescheduling_bumps_the_sequence_and_moves_pending_reminders(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    _calendar, before = ics(client_for(member), meeting)
    later = soon(21)
    meeting = services.meeting_reschedule(meeting=meeting, actor=convenor, data=data(later))
    _calendar, after = ics(client_for(member), meeting)
    assert before["UID"] == after["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == later
    due = sorted(set(reminders(meeting).values_list("due_at", flat=True)))
    assert due == [later - timedelta(days=7), later - timedelta(days=1)]
    assert Notification.objects.filter(
        kind="meeting_scheduled", email=member.email, context__change="moved"
    ).exists()


def test_a_sent_reminder_is_kept_and_a_new_one_follows_the_new_date(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon(10)))
    sent = reminders(meeting).filter(recipient=member).first()
    Notification.objects.filter(pk=sent.pk).update(
        status=Notification.Status.SENT, sent_at=timezone.now()
    )
    services.meeting_reschedule(meeting=meeting, actor=convenor, data=data(soon(20)))
    assert Notification.objects.filter(pk=sent.pk, status=Notification.Status.SENT).exists()
    assert reminders(meeting).filter(recipient=member, status="pending").count() == 2


def test_cancelling_sends_method_cancel_and_withdraws_reminders(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    meeting = services.meeting_cancel(meeting=meeting, actor=convenor)
    calendar, event = ics(client_for(member), meeting)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    assert not reminders(meeting).exists()
    assert Notification.objects.filter(context__change="cancelled", email=member.email).exists()


def attached_calendar(row: Notification) -> Calendar:
    from forum_app.notifications.emails import render_email

    message = render_email(row)
    files = [
        (name, body, kind) for name, body, kind in message.attachments if kind == "text/calendar"
    ]
    assert len(files) == 1, message.attachments
    return Calendar.from_ical(files[0][1])


def test_the_invitation_email_carries_the_calendar_file(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    row = Notification.objects.get(kind="meeting_scheduled", email=member.email)
    calendar = attached_calendar(row)
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]).startswith(f"meeting-{meeting.pk}@")
    assert event.decoded("DTSTART") == meeting.starts_at


def test_the_cancellation_email_carries_a_cancelling_calendar_file(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    services.meeting_cancel(meeting=meeting, actor=convenor)
    row = Notification.objects.get(context__change="cancelled", email=member.email)
    calendar = attached_calendar(row)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_scheduling_in_the_past_or_without_a_place_is_refused(forum, convenor):
    with pytest.raises(Exception, match="future"):
        services.meeting_schedule(
            forum=forum, actor=convenor, data=data(timezone.now() - timedelta(days=2))
        )
    with pytest.raises(Exception, match="video call link"):
        services.meeting_schedule(forum=forum, actor=convenor, data=data(soon(), place=""))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 3), date(2026, 4, 7)),  # first Tuesday → first Tuesday
        (date(2026, 1, 20), date(2026, 2, 17)),  # third Tuesday
        (date(2026, 12, 1), date(2027, 1, 5)),  # across the new year
        (date(2026, 3, 31), date(2026, 4, 28)),  # a fifth Tuesday April lacks → last Tuesday
    ],
)
def test_same_day_next_month(day, expected):
    assert services.same_day_next_month(day) == expected
