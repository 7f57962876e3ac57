"""Secret dot voting: valid ballots count once, bad ones store nothing and say why."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from forum_app.models import SealedEntry
from meetings import services
from meetings.models import Attendance, Ballot, BallotReceipt, Phase, ThemeTally
from tests.conftest import client_for
from tests.factories import MembershipFactory, ThemeFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db


def totals(meeting) -> dict[int, int]:
    return dict(ThemeTally.objects.filter(meeting=meeting).values_list("theme_id", "dots"))


def assert_nothing_stored(meeting) -> None:
    assert not BallotReceipt.objects.filter(meeting=meeting).exists()
    assert not SealedEntry.objects.exists()
    assert set(totals(meeting).values()) == {0}


def closed(voting, convenor):
    return advance_to(voting.meeting, convenor, Phase.DECIDE)


def test_a_ballot_waits_sealed_and_is_counted_when_voting_closes(voting, member, convenor):
    a, b, c = voting.themes
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={a.pk: 3, b.pk: 2})
    assert list(BallotReceipt.objects.values_list("user", flat=True)) == [member.pk]
    assert SealedEntry.objects.count() == 1
    assert b'"3"' not in bytes(SealedEntry.objects.get().sealed)
    assert totals(voting.meeting) == {a.pk: 0, b.pk: 0, c.pk: 0}
    meeting = closed(voting, convenor)
    assert totals(meeting) == {a.pk: 3, b.pk: 2, c.pk: 0}
    assert [b.dots for b in Ballot.objects.filter(meeting=meeting)] == [
        {str(a.pk): 3, str(b.pk): 2}
    ]
    assert not SealedEntry.objects.exists()


def test_sealed_ballots_are_all_the_same_size(voting, member, forum):
    a, b, c = voting.themes
    other = MembershipFactory(forum=forum).user
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={a.pk: 1})
    services.ballot_cast(
        meeting=voting.meeting, voter=other, allocations={a.pk: 2, b.pk: 2, c.pk: 1}
    )
    assert len({len(bytes(e.sealed)) for e in SealedEntry.objects.all()}) == 1


def test_voting_counts_the_voter_as_attending(voting, forum):
    absent = MembershipFactory(forum=forum).user
    services.ballot_cast(meeting=voting.meeting, voter=absent, allocations={voting.themes[0].pk: 1})
    assert Attendance.objects.filter(meeting=voting.meeting, user=absent).exists()


def test_a_ballot_cast_after_the_box_closed_is_refused_and_stores_nothing(voting, member, convenor):
    stale = voting.meeting  # read while voting was open
    closed(voting, convenor)
    stale.phase = Phase.VOTE
    with pytest.raises(ValidationError, match="Voting has just closed"):
        services.ballot_cast(meeting=stale, voter=member, allocations={voting.themes[0].pk: 1})
    assert not BallotReceipt.objects.exists()
    assert not SealedEntry.objects.exists()


@pytest.mark.parametrize(
    ("allocation", "message"),
    [
        ({0: 3, 1: 3}, "You placed 6 dots but have 5 dots"),
        ({0: 4}, "at most 3 dots on one theme"),
        ({0: -1, 1: 2}, "cannot be negative"),
        ({0: 0, 1: 0}, "Place at least one dot"),
    ],
    ids=["over-budget", "over-cap", "negative", "empty"],
)
def test_bad_ballots_are_refused_and_nothing_is_stored(voting, member, allocation, message):
    themes = voting.themes
    allocations = {themes[i].pk: dots for i, dots in allocation.items()}
    with pytest.raises(ValidationError) as error:
        services.ballot_cast(meeting=voting.meeting, voter=member, allocations=allocations)
    assert message in " ".join(error.value.messages)
    assert_nothing_stored(voting.meeting)


def test_a_theme_from_another_meeting_is_refused(voting, member, forum):
    stranger = ThemeFactory(forum=forum)
    with pytest.raises(ValidationError, match="not on this meeting's ballot"):
        services.ballot_cast(
            meeting=voting.meeting,
            voter=member,
            allocations={voting.themes[0].pk: 1, stranger.pk: 1},
        )
    assert_nothing_stored(voting.meeting)


def test_voting_in_the_wrong_phase_is_refused(voting, member, convenor):
    meeting = advance_to(voting.meeting, convenor, Phase.DECIDE)
    with pytest.raises(ValidationError, match="Voting is not open"):
        services.ballot_cast(meeting=meeting, voter=member, allocations={voting.themes[0].pk: 1})
    assert not BallotReceipt.objects.exists()


@pytest.mark.parametrize("persona", ["leader", "steward", "outsider"])
def test_leaders_stewards_and_outsiders_cannot_vote(voting, persona, request):
    person = request.getfixturevalue(persona)
    with pytest.raises(ValidationError, match="Only members of the forum vote"):
        services.ballot_cast(
            meeting=voting.meeting, voter=person, allocations={voting.themes[0].pk: 1}
        )
    assert_nothing_stored(voting.meeting)


def test_a_second_ballot_is_refused_and_the_first_stands(voting, member, convenor):
    a, b, _c = voting.themes
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={a.pk: 2})
    with pytest.raises(ValidationError, match="already voted"):
        services.ballot_cast(meeting=voting.meeting, voter=member, allocations={b.pk: 2})
    meeting = closed(voting, convenor)
    assert totals(meeting)[a.pk] == 2
    assert totals(meeting)[b.pk] == 0


def test_results_stay_hidden_until_voting_closes(voting, member, convenor):
    a = voting.themes[0]
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={a.pk: 3})
    assert services.results(voting.meeting) == []
    meeting = advance_to(voting.meeting, convenor, Phase.DECIDE)
    assert [(r.theme.pk, r.dots) for r in services.results(meeting)][0] == (a.pk, 3)


def vote_url(meeting) -> str:
    return reverse("meetings:vote", args=[meeting.forum.slug, meeting.pk])


def test_a_non_numeric_value_through_the_page_is_a_clear_error_and_keeps_the_entry(voting, member):
    a, b, _c = voting.themes
    response = client_for(member).post(
        vote_url(voting.meeting), {f"theme_{a.pk}": "lots", f"theme_{b.pk}": "2"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a whole number of dots" in page
    assert 'value="lots"' in page and 'value="2"' in page
    assert_nothing_stored(voting.meeting)


def test_an_over_budget_ballot_through_the_page_keeps_what_was_entered(voting, member):
    a, b, c = voting.themes
    data = {f"theme_{a.pk}": "3", f"theme_{b.pk}": "3", f"theme_{c.pk}": "1"}
    response = client_for(member).post(vote_url(voting.meeting), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "You placed 7 dots but have 5 dots. Take 2 off." in page
    assert page.count('value="3"') == 2
    assert_nothing_stored(voting.meeting)


def test_a_good_ballot_through_the_page_is_counted(voting, member, convenor):
    a = voting.themes[0]
    response = client_for(member).post(vote_url(voting.meeting), {f"theme_{a.pk}": "3"})
    assert response.status_code == 302
    assert totals(closed(voting, convenor))[a.pk] == 3


def test_opening_the_vote_page_records_nothing(voting, forum):
    absent = MembershipFactory(forum=forum).user
    assert client_for(absent).get(vote_url(voting.meeting)).status_code == 200
    assert not Attendance.objects.filter(user=absent).exists()


def test_leader_cannot_open_the_vote_page(voting, leader):
    assert client_for(leader).get(vote_url(voting.meeting)).status_code == 404
