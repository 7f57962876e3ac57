""" "The previous meeting" has one meaning: the last meeting held (closed) before this one."""

import datetime

import pytest
from django.utils import timezone

from meetings.models import Meeting, Phase
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def _meeting(forum, days: int, phase: str) -> Meeting:
    start = (timezone.now() + datetime.timedelta(days=days)).replace(microsecond=0)
    return MeetingFactory(
        forum=forum, phase=phase, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )


def test_the_previous_meeting_is_the_last_one_held(forum, other_forum):
    held = _meeting(forum, -60, Phase.CLOSED)
    _meeting(forum, -90, Phase.CLOSED)
    _meeting(forum, -30, Phase.CANCELLED)
    _meeting(forum, -20, Phase.SCHEDULED)  # never run
    _meeting(other_forum, -10, Phase.CLOSED)
    upcoming = _meeting(forum, 7, Phase.SCHEDULED)
    assert Meeting.objects.held_before(upcoming).first() == held


def test_a_first_meeting_has_none(forum):
    _meeting(forum, 30, Phase.CLOSED)  # later, so not before
    first = _meeting(forum, 7, Phase.SCHEDULED)
    assert Meeting.objects.held_before(first).first() is None
