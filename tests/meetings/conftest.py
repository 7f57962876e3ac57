"""A meeting ready to vote on: three themes with issues, the member attending."""

from dataclasses import dataclass

import pytest

from meetings import services
from meetings.models import Meeting, Phase, Theme
from tests.factories import IssueFactory, MeetingFactory


@dataclass
class Voting:
    meeting: Meeting
    themes: list[Theme]


def advance_to(meeting: Meeting, convenor, phase: str) -> Meeting:
    """Move ``meeting`` forward phase by phase until it reaches ``phase``."""
    while meeting.phase != phase:
        meeting = services.meeting_advance(meeting=meeting, actor=convenor, expected=meeting.phase)
    return meeting


def grouped_meeting(forum, convenor, names=("Caseloads", "IT systems", "Lone working")):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    themes = []
    for name in names:
        theme = services.theme_create(meeting=meeting, actor=convenor, name=name)
        issue = IssueFactory(forum=forum, title=f"{name}: a problem")
        services.issue_move(meeting=meeting, actor=convenor, issue=issue, theme=theme)
        themes.append(theme)
    return meeting, themes


@pytest.fixture
def voting(forum, convenor, member) -> Voting:
    """Three themes on the ballot (without issues: voting does not look inside themes)."""
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    themes = [
        services.theme_create(meeting=meeting, actor=convenor, name=name)
        for name in ("Caseloads", "IT systems", "Lone working")
    ]
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    services.meeting_attend(meeting=meeting, user=member)
    meeting.refresh_from_db()
    return Voting(meeting=meeting, themes=themes)
