"""Leaders' responses and overdue follow-ups come back to the next meeting's agenda."""

import datetime

import pytest
from django.utils import timezone

from escalations.models import Brief
from escalations.services import briefs as services
from meetings.models import Phase
from tests.conftest import client_for
from tests.escalations.world import sent_brief
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_meeting(forum):
    start = timezone.now() + datetime.timedelta(days=7)
    return MeetingFactory(
        forum=forum,
        phase=Phase.SCHEDULED,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )


def agenda_of(member, meeting) -> str:
    response = client_for(member).get(meeting.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_response_appears_on_the_next_agenda(forum, convenor, leader, member, next_meeting):
    brief = sent_brief(forum, convenor, leader)
    services.brief_respond(brief=brief, actor=leader, position="decline", reasons="No budget.")
    assert f"Response to {brief.reference}" in agenda_of(member, next_meeting)


def test_an_overdue_brief_appears_and_an_answered_one_does_not(
    forum, convenor, leader, member, next_meeting
):
    brief = sent_brief(forum, convenor, leader)
    assert f"No response yet to {brief.reference}" not in agenda_of(member, next_meeting)
    Brief.objects.filter(pk=brief.pk).update(
        response_by=timezone.localdate() - datetime.timedelta(days=3)
    )
    assert f"No response yet to {brief.reference}" in agenda_of(member, next_meeting)
