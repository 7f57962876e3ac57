"""The forum home says what to do now: vote while voting is open, and reply for the next meeting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, Phase, Rsvp
from tests.conftest import client_for
from tests.factories import MeetingFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db


def home(forum) -> str:
    return reverse("forum_home", args=[forum.slug])


def test_home_says_voting_is_open_and_that_you_have_not_voted(voting, forum, member):
    Meeting.objects.filter(pk=voting.meeting.pk).update(
        voting_closes_at=timezone.now() + timedelta(days=2)
    )
    voting.meeting.refresh_from_db()
    page = client_for(member).get(home(forum)).content.decode()
    assert "Voting is open — closes" in page and "(you haven’t voted)" in page
    assert reverse("meetings:vote", args=[forum.slug, voting.meeting.pk]) in page

    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={voting.themes[0].pk: 1})
    page = client_for(member).get(home(forum)).content.decode()
    assert "(you have voted)" in page and "Change your vote" in page


def test_home_says_nothing_of_a_vote_whose_window_has_closed(voting, forum, member):
    Meeting.objects.filter(pk=voting.meeting.pk).update(
        voting_closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert "Voting is open" not in client_for(member).get(home(forum)).content.decode()


def test_a_member_replies_for_the_next_meeting_and_can_change_their_reply(forum, member):
    meeting = MeetingFactory(forum=forum, title="January meeting")
    client = client_for(member)
    page = client.get(home(forum)).content.decode()
    assert "January meeting" in page and "I&#x27;ll be there" in page
    url = reverse("meetings:rsvp", args=[forum.slug, meeting.pk])

    response = client.post(url, {"answer": "remote"})
    assert response.status_code == 302
    assert Rsvp.objects.get(meeting=meeting, user=member).answer == "remote"
    assert "You said you will vote remotely" in client.get(home(forum)).content.decode()

    client.post(url, {"answer": "attend"})
    assert Rsvp.objects.get(meeting=meeting, user=member).answer == "attend"
    assert Rsvp.objects.count() == 1


def test_a_reply_for_a_finished_meeting_is_refused(forum, member, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    services.theme_create(meeting=meeting, actor=convenor, name="Caseloads")
    meeting = advance_to(meeting, convenor, Phase.DECIDE)
    client_for(member).post(
        reverse("meetings:rsvp", args=[forum.slug, meeting.pk]), {"answer": "attend"}
    )
    assert not Rsvp.objects.exists()


def test_the_forum_home_reads_a_fixed_number_of_queries(forum, member, convenor):
    client = client_for(member)
    MeetingFactory(forum=forum)
    client.get(home(forum))
    with CaptureQueriesContext(connection) as few:
        client.get(home(forum))
    for number in range(3):
        meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
        services.theme_create(meeting=meeting, actor=convenor, name=f"Caseloads {number}")
        advance_to(meeting, convenor, Phase.VOTE)
        MeetingFactory(forum=forum)
    with CaptureQueriesContext(connection) as many:
        page = client.get(home(forum)).content.decode()
    assert page.count("Voting is open") == 3
    assert len(many) == len(few)
