"""Invitations with a calendar file, reminders that move with the meeting, cancellation."""

from datetime import date, datetime, timedelta

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from forum_app.celery import app as celery_app
from forum_app.models import Notification, Role
from forum_app.notifications.emails import render_email
from meetings import services
from meetings.models import MeetingNotice
from meetings.services import MeetingData
from meetings.services.schedule import meeting_notice_send, meeting_notices_sweep
from tests.conftest import client_for
from tests.factories import MembershipFactory

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


def told() -> None:
    """What a worker does after the change commits: write the members' emails."""
    meeting_notices_sweep()


def reminders(meeting):
    return Notification.objects.filter(
        kind="meeting_reminder", dedupe_key__startswith=f"meeting_reminder:{meeting.pk}:"
    )


def test_scheduling_invites_members_with_a_calendar_link(forum, convenor, member, leader):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    told()
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
    told()
    due = sorted(set(reminders(meeting).values_list("due_at", flat=True)))
    assert due == [meeting.starts_at - timedelta(days=7), meeting.starts_at - timedelta(days=1)]
    assert reminders(meeting).filter(status=Notification.Status.PENDING).count() == 4


def test_rescheduling_bumps_the_sequence_and_moves_pending_reminders(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    told()
    _calendar, before = ics(client_for(member), meeting)
    later = soon(21)
    meeting = services.meeting_reschedule(meeting=meeting, actor=convenor, data=data(later))
    told()
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
    told()
    sent = reminders(meeting).filter(recipient=member).first()
    Notification.objects.filter(pk=sent.pk).update(
        status=Notification.Status.SENT, sent_at=timezone.now()
    )
    services.meeting_reschedule(meeting=meeting, actor=convenor, data=data(soon(20)))
    told()
    assert Notification.objects.filter(pk=sent.pk, status=Notification.Status.SENT).exists()
    assert reminders(meeting).filter(recipient=member, status="pending").count() == 2


def test_cancelling_sends_method_cancel_and_withdraws_reminders(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    told()
    meeting = services.meeting_cancel(meeting=meeting, actor=convenor)
    told()
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
    told()
    row = Notification.objects.get(kind="meeting_scheduled", email=member.email)
    calendar = attached_calendar(row)
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]).startswith(f"meeting-{meeting.pk}@")
    assert event.decoded("DTSTART") == meeting.starts_at


def test_the_cancellation_email_carries_a_cancelling_calendar_file(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    told()
    services.meeting_cancel(meeting=meeting, actor=convenor)
    told()
    row = Notification.objects.get(context__change="cancelled", email=member.email)
    calendar = attached_calendar(row)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


# The request records the meeting and one job; the job writes every member's emails.


def test_scheduling_writes_no_email_in_the_request_and_queues_one_job(
    forum, convenor, django_capture_on_commit_callbacks
):
    def schedule_with(members: int) -> tuple[int, int]:
        for _ in range(members):
            MembershipFactory(forum=forum, role=Role.MEMBER)
        with django_capture_on_commit_callbacks() as callbacks:
            with CaptureQueriesContext(connection) as queries:
                services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
        return len(queries), len(callbacks)

    few, many = schedule_with(3), schedule_with(60)
    assert few == many  # the same queries for 4 people as for 64
    assert many[1] == 1  # one job handed to a worker after commit
    assert not Notification.objects.exists()
    assert MeetingNotice.objects.filter(done_at=None).count() == 2


def test_the_job_writes_each_members_invitation_and_reminders_once(forum, convenor, member):
    others = [MembershipFactory(forum=forum, role=Role.MEMBER).user for _ in range(5)]
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    notice = MeetingNotice.objects.get(meeting=meeting)
    assert meeting_notice_send(notice_id=notice.pk) == 7
    assert meeting_notice_send(notice_id=notice.pk) == 0
    assert meeting_notices_sweep() == 0
    invited = Notification.objects.filter(kind="meeting_scheduled")
    people = {member, convenor, *others}
    assert sorted(invited.values_list("email", flat=True)) == sorted(p.email for p in people)
    assert reminders(meeting).count() == 2 * len(people)


def test_a_notice_overtaken_by_a_move_tells_members_only_the_new_time(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    later = soon(21)
    services.meeting_reschedule(meeting=meeting, actor=convenor, data=data(later))
    assert meeting_notices_sweep() == 2
    invited = Notification.objects.filter(kind="meeting_scheduled", email=member.email)
    assert [row.context["change"] for row in invited] == ["moved"]
    due = sorted(set(reminders(meeting).values_list("due_at", flat=True)))
    assert due == [later - timedelta(days=7), later - timedelta(days=1)]


def test_the_sweeper_finds_notices_no_worker_got():
    assert celery_app.conf.beat_schedule["meeting-notices-sweep"]["task"] == (
        "meetings.tasks.sweep_meeting_notices"
    )


# Calendar invitations: one per person, with that person as the attendee.


def attendees(event) -> list[str]:
    found = event.get("ATTENDEE")
    found = found if isinstance(found, list) else [found] if found else []
    return [str(address) for address in found]


@pytest.mark.parametrize("cancel", [False, True])
def test_each_invitation_names_its_one_recipient_as_attendee_for_two_parsers(
    forum, convenor, member, cancel
):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    told()
    if cancel:
        services.meeting_cancel(meeting=meeting, actor=convenor)
        told()
    change = "cancelled" if cancel else "new"
    rows = Notification.objects.filter(kind="meeting_scheduled", context__change=change)
    assert rows.count() == 2
    for row in rows:
        ics = next(
            body for _name, body, kind in render_email(row).attachments if kind == "text/calendar"
        )
        calendar = Calendar.from_ical(ics)
        [event] = calendar.walk("VEVENT")
        assert str(calendar["METHOD"]) == ("CANCEL" if cancel else "REQUEST")
        assert attendees(event) == [f"mailto:{row.email}"]
        assert event["ATTENDEE"].params["CN"] == str(row.recipient)
        assert event["ATTENDEE"].params["RSVP"] == "FALSE"
        assert str(event["ORGANIZER"]).startswith("mailto:")

        parsed = vobject.readOne(ics)
        assert parsed.method.value == ("CANCEL" if cancel else "REQUEST")
        [attendee] = parsed.vevent.contents["attendee"]
        assert attendee.value == f"mailto:{row.email}"
        assert attendee.params["CN"] == [str(row.recipient)]
        assert parsed.vevent.organizer.value.startswith("mailto:")
        assert parsed.vevent.uid.value == str(event["UID"])
        assert parsed.vevent.sequence.value == str(1 if cancel else 0)


def test_the_downloaded_calendar_file_names_whoever_downloads_it(forum, convenor, member):
    meeting = services.meeting_schedule(forum=forum, actor=convenor, data=data(soon()))
    _calendar, event = ics(client_for(member), meeting)
    assert attendees(event) == [f"mailto:{member.email}"]
    parsed = vobject.readOne(
        client_for(convenor)
        .get(reverse("meetings:calendar", args=[forum.slug, meeting.pk]))
        .content.decode()
    )
    assert [a.value for a in parsed.vevent.contents["attendee"]] == [f"mailto:{convenor.email}"]


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
