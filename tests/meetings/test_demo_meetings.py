"""The demo shows the whole cycle, a vote still open to those who were not there included."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from forum_app.demo import DEMO_FORUM_SLUG
from forum_app.models import Forum, User
from meetings.models import Meeting, Phase
from meetings.services import voted

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_meeting_still_open_for_votes_that_the_first_member_has_not_voted_in():
    call_command("seed_demo")
    forum = Forum.objects.get(slug=DEMO_FORUM_SLUG)
    meeting = Meeting.objects.in_forum(forum).get(phase=Phase.VOTE)
    assert meeting.ends_at < timezone.now() < meeting.voting_closes_at
    assert meeting.meeting_themes.count() >= 2
    assert meeting.receipts.count() == 5
    assert not voted(meeting, User.objects.get(email="amira@demo.example"))
    assert Meeting.objects.in_forum(forum).filter(phase=Phase.CLOSED).count() == 1
    assert Meeting.objects.in_forum(forum).filter(phase=Phase.SCHEDULED).count() == 1
