"""The live part of the meeting page: cheap 304s while nothing changes, fresh HTML after."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import services
from meetings.models import Phase
from tests.conftest import client_for
from tests.factories import MeetingFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db

# Read the session, the user and their membership, and one query for the meeting's state
# (the idle timeout is written at most once a minute, so not on this request).
MAX_QUERIES_FOR_304 = 4


def live_url(meeting) -> str:
    return reverse("meetings:live", args=[meeting.forum.slug, meeting.pk])


def test_an_unchanged_meeting_answers_304_with_few_queries(forum, convenor, member, capsys):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.REVIEW)
    client = client_for(member)
    client.get(meeting.get_absolute_url())  # opening the page counts the member as here
    first = client.get(live_url(meeting))
    assert first.status_code == 200
    etag = first["ETag"]
    assert "no-store" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as queries:
        second = client.get(live_url(meeting), headers={"if-none-match": etag})
    assert second.status_code == 304
    assert second.content == b""
    queries = [q for q in queries if "SAVEPOINT" not in q["sql"]]
    assert sum("meetings_" in q["sql"] for q in queries) == 1
    assert len(queries) <= MAX_QUERIES_FOR_304, "\n".join(q["sql"][:90] for q in queries)
    with capsys.disabled():
        print(f"\nlive poll answered 304 with {len(queries)} queries")


def test_after_a_phase_change_the_poll_gets_the_new_phase(forum, convenor, member):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.REVIEW)
    client = client_for(member)
    etag = client.get(live_url(meeting))["ETag"]
    services.meeting_advance(meeting=meeting, actor=convenor, expected=Phase.REVIEW)
    response = client.get(live_url(meeting), headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    page = response.content.decode()
    assert 'data-phase="group"' in page
    assert "Now: Group" in page


def test_a_ballot_refreshes_the_count_of_voters(voting, member, convenor):
    client = client_for(convenor)
    before = client.get(live_url(voting.meeting))
    assert "0 have voted" in before.content.decode()
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={voting.themes[0].pk: 1})
    after = client.get(live_url(voting.meeting), headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert "1 has voted" in after.content.decode()


def test_a_leader_gets_404_from_the_live_part(forum, leader):
    meeting = MeetingFactory(forum=forum)
    assert client_for(leader).get(live_url(meeting)).status_code == 404


def test_members_keep_following_a_closed_meeting_until_its_minutes_are_out(forum, convenor, member):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.REVIEW)
    services.theme_create(meeting=meeting, actor=convenor, name="Caseloads")
    meeting = advance_to(meeting, convenor, Phase.DECIDE)
    minutes = services.meeting_close(meeting=meeting, actor=convenor)
    client = client_for(member)
    closed = client.get(live_url(meeting))
    assert 'hx-trigger="every 3s"' in closed.content.decode()
    services.minutes_publish(minutes=minutes, actor=convenor)
    published = client.get(live_url(meeting), headers={"if-none-match": closed["ETag"]})
    assert published.status_code == 200
    page = published.content.decode()
    assert "Read the minutes" in page
    assert "hx-trigger" not in page


def test_a_change_is_rendered_once_for_every_member_who_polls(voting, member, forum, convenor):
    from tests.factories import MembershipFactory

    others = [MembershipFactory(forum=forum).user for _ in range(3)]
    first = client_for(member).get(live_url(voting.meeting))
    services.ballot_cast(
        meeting=voting.meeting, voter=others[0], allocations={voting.themes[0].pk: 1}
    )
    fresh = client_for(member).get(
        live_url(voting.meeting), headers={"if-none-match": first["ETag"]}
    )
    assert fresh.status_code == 200
    for person in others[1:]:
        client = client_for(person)
        with CaptureQueriesContext(connection) as queries:
            again = client.get(live_url(voting.meeting), headers={"if-none-match": first["ETag"]})
        assert again.status_code == 200
        assert again.content == fresh.content
        # The ETag's query and whether this person has voted; nothing is counted or rendered.
        assert sum("meetings_" in q["sql"] for q in queries) == 2, [q["sql"] for q in queries]
        assert "1 has voted" in again.content.decode()


def test_a_member_who_has_voted_is_told_so_and_one_who_has_not_is_asked(voting, member, forum):
    from tests.factories import MembershipFactory

    other = MembershipFactory(forum=forum).user
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={voting.themes[0].pk: 1})
    for _ in range(2):  # the second answers come from the cache
        mine = client_for(member).get(live_url(voting.meeting)).content.decode()
        theirs = client_for(other).get(live_url(voting.meeting)).content.decode()
        assert "You have voted" in mine
        assert 'id="vote-link"' not in mine
        assert 'id="vote-link"' in theirs
        assert "You have voted" not in theirs


def test_the_shared_live_part_holds_nothing_personal(voting, member):
    page = client_for(member).get(live_url(voting.meeting)).content.decode()
    assert "csrfmiddlewaretoken" not in page
    assert member.email not in page
    assert str(member) not in page
