"""The voting window: members vote from anywhere until it closes; then, and only then, results."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from forum_app.celery import app
from meetings import services
from meetings.models import Attendance, Ballot, BallotReceipt, Meeting, Phase
from meetings.services import voting as window
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db


def vote_url(meeting) -> str:
    return reverse("meetings:vote", args=[meeting.forum.slug, meeting.pk])


def close_url(meeting) -> str:
    return reverse("meetings:voting_close", args=[meeting.forum.slug, meeting.pk])


def end_window(meeting) -> Meeting:
    """Move the closing time into the past, as if the window had run its course."""
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_closes_at=timezone.now() - timedelta(seconds=1)
    )
    meeting.refresh_from_db()
    return meeting


def test_voting_stays_open_the_forums_hours_after_the_meeting_ends(voting, forum):
    meeting = voting.meeting
    assert meeting.voting_closes_at == meeting.ends_at + timedelta(hours=48)
    assert meeting.voting_opens_at is not None
    assert meeting.voting_open()


def test_a_meeting_already_over_gets_a_window_from_now(forum, convenor):
    forum.voting_hours_after_meeting = 24
    forum.save()
    start = timezone.now() - timedelta(hours=5)
    meeting = MeetingFactory(forum=forum, starts_at=start, ends_at=start + timedelta(hours=1))
    meeting = advance_to(meeting, convenor, Phase.GROUP)
    services.theme_create(meeting=meeting, actor=convenor, name="Caseloads")
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    assert meeting.voting_closes_at > timezone.now() + timedelta(hours=23)


def test_a_member_who_never_joined_the_live_page_votes_during_the_window(voting, forum):
    remote = MembershipFactory(forum=forum).user
    client = client_for(remote)
    assert "Send my vote" in client.get(vote_url(voting.meeting)).content.decode()
    theme = voting.themes[0]
    response = client.post(vote_url(voting.meeting), {f"theme_{theme.pk}": "2"})
    assert response.status_code == 302
    assert BallotReceipt.objects.filter(meeting=voting.meeting, user=remote).exists()


def test_voting_after_the_meeting_has_ended_does_not_count_as_attending(voting, forum):
    remote = MembershipFactory(forum=forum).user
    Meeting.objects.filter(pk=voting.meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=2)
    )
    voting.meeting.refresh_from_db()
    services.ballot_cast(meeting=voting.meeting, voter=remote, allocations={voting.themes[0].pk: 1})
    assert not Attendance.objects.filter(meeting=voting.meeting, user=remote).exists()


def test_no_ballot_is_taken_once_the_window_has_closed(voting, member):
    meeting = end_window(voting.meeting)
    with pytest.raises(ValidationError, match="Voting is not open"):
        services.ballot_cast(meeting=meeting, voter=member, allocations={voting.themes[0].pk: 1})
    page = client_for(member).get(vote_url(meeting)).content.decode()
    assert "Send my vote" not in page


def test_results_stay_hidden_until_the_window_closes_then_are_counted_and_reconcile(
    voting, forum, member
):
    a, b, _c = voting.themes
    voters = [member] + [MembershipFactory(forum=forum).user for _ in range(3)]
    for voter in voters:
        services.ballot_cast(meeting=voting.meeting, voter=voter, allocations={a.pk: 2, b.pk: 1})
    assert window.votes_close_due() == 0  # still open
    meeting = Meeting.objects.get(pk=voting.meeting.pk)
    assert meeting.phase == Phase.VOTE
    assert services.results(meeting) == []
    assert not Ballot.objects.filter(meeting=meeting).exists()
    live = client_for(member).get(meeting.get_absolute_url()).content.decode()
    assert "4 have voted" in live and "Themes by dots received" not in live

    end_window(meeting)
    assert window.votes_close_due() == 1
    assert window.votes_close_due() == 0  # safe to run twice

    meeting.refresh_from_db()
    assert meeting.phase == Phase.DECIDE
    assert (
        Ballot.objects.filter(meeting=meeting).count()
        == BallotReceipt.objects.filter(meeting=meeting).count()
    )
    dots = {r.theme.pk: r.dots for r in services.results(meeting)}
    assert dots[a.pk] == 8 and dots[b.pk] == 4


def test_the_sweeper_runs_every_minute():
    entry = app.conf.beat_schedule["voting-sweep"]
    assert entry["task"] == "meetings.tasks.sweep_voting"


def test_the_convenor_is_asked_before_closing_voting_early(voting, convenor, member):
    meeting = voting.meeting
    services.ballot_cast(meeting=meeting, voter=member, allocations={voting.themes[0].pk: 1})
    client = client_for(convenor)
    page = client.get(close_url(meeting)).content.decode()
    assert "Close voting now?" in page and "1 person has voted so far." in page
    meeting.refresh_from_db()
    assert meeting.phase == Phase.VOTE  # asking changes nothing

    response = client.post(close_url(meeting))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.phase == Phase.DECIDE
    assert meeting.voting_closes_at <= timezone.now()
    assert Ballot.objects.filter(meeting=meeting).count() == 1


def test_a_member_cannot_close_voting(voting, member):
    assert client_for(member).post(close_url(voting.meeting)).status_code in (403, 404)
    voting.meeting.refresh_from_db()
    assert voting.meeting.phase == Phase.VOTE


def test_the_convenor_chooses_when_voting_closes(voting, convenor):
    meeting = voting.meeting
    url = reverse("meetings:voting_window", args=[meeting.forum.slug, meeting.pk])
    local = (meeting.ends_at + timedelta(days=3)).astimezone(meeting.forum.tzinfo)
    response = client_for(convenor).post(
        url, {"date": local.date().isoformat(), "time": "17:00"}, follow=True
    )
    meeting.refresh_from_db()
    closes = meeting.voting_closes_at.astimezone(meeting.forum.tzinfo)
    assert (closes.date(), closes.strftime("%H:%M")) == (local.date(), "17:00")
    assert "Voting closes" in response.content.decode()


def test_a_closing_time_in_the_past_is_refused_with_a_reason(voting, convenor):
    meeting = voting.meeting
    before = meeting.voting_closes_at
    with pytest.raises(ValidationError, match="Choose a time in the future"):
        window.voting_window_set(
            meeting=meeting, actor=convenor, closes_at=timezone.now() - timedelta(hours=1)
        )
    meeting.refresh_from_db()
    assert meeting.voting_closes_at == before


def test_only_the_convenor_sets_the_closing_time(voting, member):
    with pytest.raises(ValidationError, match="Only a convenor"):
        window.voting_window_set(
            meeting=voting.meeting, actor=member, closes_at=timezone.now() + timedelta(days=1)
        )


def test_moving_on_to_deciding_closes_the_window_now(voting, convenor):
    meeting = advance_to(voting.meeting, convenor, Phase.DECIDE)
    assert meeting.voting_closes_at <= timezone.now()
    assert not meeting.voting_open()
