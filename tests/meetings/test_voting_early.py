"""The convenor opens voting before the meeting; the closing time's errors sit beside it."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum_app.models import Notification
from meetings import services
from meetings.models import BallotReceipt, Meeting, Phase, Rsvp, ThemeStatus
from meetings.services import voting
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(forum):
    return MeetingFactory(forum=forum)


def early_url(meeting) -> str:
    return reverse("meetings:voting_open_early", args=[meeting.forum.slug, meeting.pk])


def times_url(meeting) -> str:
    return reverse("meetings:voting_times", args=[meeting.forum.slug, meeting.pk])


def test_the_convenor_opens_voting_before_the_meeting_on_the_carried_over_themes(
    meeting, forum, convenor, member
):
    carried = ThemeFactory(forum=forum, name="Caseloads", status=ThemeStatus.MONITORING)
    ThemeFactory(forum=forum, name="Done with", status=ThemeStatus.RESOLVED)
    remote = MembershipFactory(forum=forum).user
    voting.meeting_rsvp(meeting=meeting, user=remote, answer=Rsvp.Answer.REMOTE)
    client = client_for(convenor)
    page = client.get(early_url(meeting)).content.decode()
    assert "The ballot will hold 1 theme" in page
    assert "Caseloads" in page and "Done with" not in page

    response = client.post(early_url(meeting), {"expected": "scheduled", "confirm": "yes"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.phase == Phase.VOTE and meeting.voting_open()
    assert meeting.voting_closes_at == meeting.ends_at + timedelta(hours=48)
    assert Notification.objects.filter(kind="voting_open", recipient=remote).exists()
    services.ballot_cast(meeting=meeting, voter=member, allocations={carried.pk: 2})
    assert BallotReceipt.objects.filter(meeting=meeting).count() == 1


def test_the_meeting_page_links_to_opening_voting_early(meeting, convenor):
    page = client_for(convenor).get(meeting.get_absolute_url()).content.decode()
    assert early_url(meeting) in page


def test_without_the_confirmation_voting_stays_closed(meeting, forum, convenor):
    ThemeFactory(forum=forum, status=ThemeStatus.PARKED)
    response = client_for(convenor).post(early_url(meeting), {"expected": "scheduled"})
    assert response["Location"] == early_url(meeting)
    meeting.refresh_from_db()
    assert meeting.phase == Phase.SCHEDULED


def test_with_no_themes_to_vote_on_nothing_changes(meeting, convenor):
    page = client_for(convenor).get(early_url(meeting)).content.decode()
    assert "nothing to vote on yet" in page and "Yes, open voting now" not in page
    response = client_for(convenor).post(
        early_url(meeting), {"expected": "scheduled", "confirm": "yes"}, follow=True
    )
    assert "no themes to vote on yet" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.phase == Phase.SCHEDULED and meeting.voting_opens_at is None


def test_a_member_cannot_open_voting(meeting, forum, member):
    ThemeFactory(forum=forum, status=ThemeStatus.PARKED)
    response = client_for(member).post(
        early_url(meeting), {"expected": "scheduled", "confirm": "yes"}
    )
    assert response.status_code in (403, 404)
    assert Meeting.objects.get(pk=meeting.pk).phase == Phase.SCHEDULED


def field_group(html: str, name: str) -> str:
    """The markup from the field's label to the end of its input."""
    found = re.search(rf'<label for="id_{name}".*?<input[^>]*name="{name}"[^>]*>', html, re.S)
    assert found, f"no {name} field"
    return found.group(0)


def test_a_closing_time_in_the_past_is_refused_beside_the_date(meeting, convenor):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client_for(convenor).post(
        times_url(meeting), {"date": yesterday.isoformat(), "time": "17:00"}
    )
    assert response.status_code == 400
    date = field_group(response.content.decode(), "date")
    assert "Choose a time in the future." in date and 'aria-invalid="true"' in date
    meeting.refresh_from_db()
    assert meeting.voting_closes_at is None


def test_a_missing_closing_time_is_refused_beside_the_time(meeting, convenor):
    tomorrow = timezone.localdate() + timedelta(days=10)
    response = client_for(convenor).post(times_url(meeting), {"date": tomorrow.isoformat()})
    assert response.status_code == 400
    time = field_group(response.content.decode(), "time")
    assert "required" in time and 'aria-invalid="true"' in time


def test_a_good_closing_time_is_saved(meeting, convenor):
    day = timezone.localdate() + timedelta(days=10)
    response = client_for(convenor).post(
        times_url(meeting), {"date": day.isoformat(), "time": "17:00"}, follow=True
    )
    meeting.refresh_from_db()
    assert meeting.voting_closes_at is not None
    assert f"Voting closes {voting.closes_text(meeting)}." in response.content.decode()
