"""A day before voting closes, members who have not voted are reminded; nobody else is."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum_app.models import Delivery, Notification, NotificationPreference, Role
from forum_app.notifications.emails import render_email
from meetings import services
from meetings.models import Meeting
from meetings.services.voting import vote_reminders_queue
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def closing_in(meeting, hours: float) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_opens_at=timezone.now() - timedelta(days=2),
        voting_closes_at=timezone.now() + timedelta(hours=hours),
    )
    meeting.refresh_from_db()
    return meeting


def reminded(meeting) -> set[int]:
    rows = Notification.objects.filter(
        kind="vote_reminder", dedupe_key__startswith=f"vote_reminder:{meeting.pk}:"
    )
    return set(rows.values_list("recipient_id", flat=True))


def test_reminders_reach_exactly_the_members_who_have_not_voted(
    voting, forum, member, convenor, steward, leader
):
    waiting = MembershipFactory(forum=forum).user
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={voting.themes[0].pk: 1})
    meeting = closing_in(voting.meeting, hours=20)

    assert vote_reminders_queue() == 2

    assert reminded(meeting) == {waiting.pk, convenor.pk}
    assert vote_reminders_queue() == 0  # once per meeting
    assert reminded(meeting) == {waiting.pk, convenor.pk}


def test_no_reminder_while_more_than_a_day_is_left(voting):
    closing_in(voting.meeting, hours=30)
    assert vote_reminders_queue() == 0
    assert reminded(voting.meeting) == set()


def test_voting_withdraws_a_reminder_not_yet_sent(voting, forum, member):
    other = MembershipFactory(forum=forum).user
    meeting = closing_in(voting.meeting, hours=20)
    vote_reminders_queue()
    assert {member.pk, other.pk} <= reminded(meeting)

    services.ballot_cast(meeting=meeting, voter=member, allocations={voting.themes[0].pk: 1})

    assert member.pk not in reminded(meeting)
    assert other.pk in reminded(meeting)


def test_a_member_who_turned_reminders_off_gets_none(voting, forum, member):
    NotificationPreference.objects.create(user=member, kind="vote_reminder", delivery=Delivery.OFF)
    meeting = closing_in(voting.meeting, hours=20)
    vote_reminders_queue()
    assert member.pk not in reminded(meeting)


def test_the_reminder_says_nothing_about_who_has_voted(voting, forum, member):
    voters = [MembershipFactory(forum=forum, role=Role.MEMBER).user for _ in range(3)]
    for voter in voters:
        services.ballot_cast(
            meeting=voting.meeting, voter=voter, allocations={voting.themes[0].pk: 1}
        )
    other = MembershipFactory(forum=forum).user
    meeting = closing_in(voting.meeting, hours=20)
    vote_reminders_queue()
    rows = list(Notification.objects.filter(kind="vote_reminder", recipient__in=[member, other]))
    assert len(rows) == 2
    assert rows[0].context == rows[1].context  # the same words for everyone reminded
    assert set(rows[0].context) == {"forum", "title", "closes", "link"}
    email = render_email(rows[0])
    text = email.subject + email.body
    assert meeting.title in text and "any device" in text
    for voter in voters:
        assert str(voter) not in text and voter.email not in text
    assert "have voted" not in text and "has voted" not in text
