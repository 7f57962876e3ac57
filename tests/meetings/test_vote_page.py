"""The vote page: a ballot code to change your vote, and + / − buttons that work without JS."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum_app.models import SealedEntry
from forum_app.sealed_box import code_hash
from issues.models import Support
from meetings import services
from meetings.models import Ballot, BallotReceipt, Phase, ThemeIssue, ThemeTally
from meetings.views.ballots import CODE_COOKIE
from tests.conftest import client_for
from tests.factories import IssueFactory, MembershipFactory
from tests.meetings.conftest import advance_to, grouped_meeting

pytestmark = pytest.mark.django_db


def vote_url(meeting) -> str:
    return reverse("meetings:vote", args=[meeting.forum.slug, meeting.pk])


def totals(meeting) -> dict[int, int]:
    return dict(ThemeTally.objects.filter(meeting=meeting).values_list("theme_id", "dots"))


def cast(client, meeting, ballot: dict) -> str:
    """Vote through the page; returns the ballot code the voter is shown."""
    response = client.post(vote_url(meeting), {f"theme_{pk}": n for pk, n in ballot.items()})
    assert response.status_code == 302
    page = client.get(vote_url(meeting)).content.decode()
    code = response.cookies[CODE_COOKIE].value.split(":")[0]
    assert code in page and "Keep your ballot code" in page
    return code


def test_the_voter_is_shown_a_code_that_is_stored_only_as_a_hash_in_the_sealed_entry(
    voting, member
):
    a = voting.themes[0]
    code = cast(client_for(member), voting.meeting, {a.pk: 2})
    assert len(code) == 19 and code.count("-") == 3
    entry = SealedEntry.objects.get()
    assert entry.code_hash == code_hash(f"{member.pk}:{code}")
    assert code not in str(SealedEntry.objects.values_list("code_hash", flat=True)[0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM meetings_ballotreceipt")
        assert code not in str(cursor.fetchall())


def test_changing_a_vote_replaces_the_ballot_and_keeps_one_per_person(
    voting, member, forum, convenor
):
    a, b, _c = voting.themes
    client = client_for(member)
    code = cast(client, voting.meeting, {a.pk: 3})
    other = MembershipFactory(forum=forum).user
    cast(client_for(other), voting.meeting, {a.pk: 1})

    response = client.post(
        vote_url(voting.meeting),
        {f"theme_{b.pk}": "2", "code": code.lower().replace("-", " ")},
    )

    assert response.status_code == 302
    assert SealedEntry.objects.count() == 2
    assert BallotReceipt.objects.filter(meeting=voting.meeting).count() == 2
    meeting = advance_to(voting.meeting, convenor, Phase.DECIDE)
    assert Ballot.objects.filter(meeting=meeting).count() == 2
    assert totals(meeting)[a.pk] == 1 and totals(meeting)[b.pk] == 2


def test_a_wrong_code_changes_nothing_and_says_so_next_to_the_field(voting, member, convenor):
    a, b, _c = voting.themes
    client = client_for(member)
    cast(client, voting.meeting, {a.pk: 3})

    response = client.post(
        vote_url(voting.meeting), {f"theme_{b.pk}": "2", "code": "AAAA-BBBB-CCCC-DDDD"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_code_error"' in page and "does not match a ballot" in page
    assert 'value="AAAA-BBBB-CCCC-DDDD"' in page and 'value="2"' in page
    meeting = advance_to(voting.meeting, convenor, Phase.DECIDE)
    assert totals(meeting)[a.pk] == 3 and totals(meeting)[b.pk] == 0


def test_another_voters_code_from_another_meeting_changes_nothing(voting, member, forum, convenor):
    a = voting.themes[0]
    code = cast(client_for(member), voting.meeting, {a.pk: 1})
    meeting2, themes2 = grouped_meeting(forum, convenor, names=("Travel", "Training"))
    meeting2 = advance_to(meeting2, convenor, Phase.VOTE)
    services.ballot_cast(meeting=meeting2, voter=member, allocations={themes2[0].pk: 1})
    with pytest.raises(Exception, match="does not match"):
        services.ballot_change(
            meeting=meeting2, voter=member, code=code, allocations={themes2[0].pk: 2}
        )


def test_changing_is_only_for_those_who_have_voted(voting, member):
    with pytest.raises(Exception, match="nothing to change"):
        services.ballot_change(
            meeting=voting.meeting,
            voter=member,
            code="AAAA-BBBB-CCCC-DDDD",
            allocations={voting.themes[0].pk: 1},
        )


def test_the_page_explains_how_changing_works(voting, member):
    cast(client_for(member), voting.meeting, {voting.themes[0].pk: 1})
    page = client_for(member).get(vote_url(voting.meeting)).content.decode()
    assert "Change your vote" in page and "never with your name" in page
    assert 'name="code"' in page


def test_plus_and_minus_without_javascript_rerender_the_counts_and_store_nothing(voting, member):
    a, b, _c = voting.themes
    client = client_for(member)
    url = vote_url(voting.meeting)
    response = client.post(url, {f"theme_{a.pk}": "2", "adjust": f"theme_{a.pk}:+1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_theme_{a.pk}" value="3"' in page
    assert "You have 2 dots left." in page
    # The cap holds: a fourth dot on one theme is not added.
    page = client.post(url, {f"theme_{a.pk}": "3", "adjust": f"theme_{a.pk}:+1"}).content.decode()
    assert f'id="id_theme_{a.pk}" value="3"' in page
    # So does the budget: with no dots left, + adds none.
    data = {f"theme_{a.pk}": "3", f"theme_{b.pk}": "2", "adjust": f"theme_{b.pk}:+1"}
    page = client.post(url, data).content.decode()
    assert f'id="id_theme_{b.pk}" value="2"' in page and "You have 0 dots left." in page
    page = client.post(url, {f"theme_{b.pk}": "0", "adjust": f"theme_{b.pk}:-1"}).content.decode()
    assert f'id="id_theme_{b.pk}" value="0"' in page
    assert not BallotReceipt.objects.exists() and not SealedEntry.objects.exists()


def test_each_theme_opens_to_show_its_issues_with_supporters(forum, convenor, member):
    meeting, themes = grouped_meeting(forum, convenor)
    issue = themes[0].theme_issues.get().issue
    for _ in range(3):
        Support.objects.create(issue=issue, user=MembershipFactory(forum=forum).user)
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    page = client_for(member).get(vote_url(meeting)).content.decode()
    assert '<details class="ballot-issues">' in page
    assert issue.title in page and "3 supporters" in page
    assert "At most 3 dots here." in page


def test_the_vote_page_reads_a_fixed_number_of_queries(forum, convenor, member):
    meeting, themes = grouped_meeting(forum, convenor)
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    client = client_for(member)
    client.get(vote_url(meeting))
    with CaptureQueriesContext(connection) as few:
        client.get(vote_url(meeting))
    for theme in themes:
        for _ in range(4):
            ThemeIssue.objects.create(theme=theme, issue=IssueFactory(forum=forum))
    with CaptureQueriesContext(connection) as many:
        client.get(vote_url(meeting))
    assert len(many) == len(few)


def test_someone_elses_code_does_not_change_their_vote(voting, member, forum, convenor):
    a, b, _c = voting.themes
    code = cast(client_for(member), voting.meeting, {a.pk: 3})
    onlooker = MembershipFactory(forum=forum).user
    cast(client_for(onlooker), voting.meeting, {b.pk: 1})

    response = client_for(onlooker).post(
        vote_url(voting.meeting), {f"theme_{b.pk}": "3", "code": code}
    )

    assert response.status_code == 200 and "does not match a ballot" in response.content.decode()
    meeting = advance_to(voting.meeting, convenor, Phase.DECIDE)
    assert totals(meeting)[a.pk] == 3 and totals(meeting)[b.pk] == 1
