"""After a meeting: no video link to join, and the vote page says voting has closed."""

import pytest
from django.urls import reverse

from meetings.models import Phase
from tests.conftest import client_for
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
CALL = "https://meet.example/forum-call"


def test_a_closed_meeting_hides_its_video_link_and_an_open_one_shows_it(forum, member):
    client = client_for(member)
    upcoming = MeetingFactory(forum=forum, video_link=CALL)
    closed = MeetingFactory(forum=forum, video_link=CALL, phase=Phase.CLOSED)
    assert "Join the video call" in client.get(upcoming.get_absolute_url()).content.decode()
    page = client.get(closed.get_absolute_url()).content.decode()
    assert "Join the video call" not in page and CALL not in page


@pytest.mark.parametrize("phase", [Phase.DECIDE, Phase.CLOSED])
def test_the_vote_page_after_voting_says_it_has_closed(forum, member, phase):
    meeting = MeetingFactory(forum=forum, phase=phase)
    page = client_for(member).get(reverse("meetings:vote", args=[forum.slug, meeting.pk]))
    text = page.content.decode()
    assert "Voting in this meeting has closed." in text
    assert "opens it after" not in text


def test_the_vote_page_before_voting_says_when_it_opens(forum, member):
    meeting = MeetingFactory(forum=forum, phase=Phase.GROUP)
    page = client_for(member).get(reverse("meetings:vote", args=[forum.slug, meeting.pk]))
    assert "The convenor opens it after the issues are grouped." in page.content.decode()
