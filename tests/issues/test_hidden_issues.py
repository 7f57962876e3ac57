"""Hidden means hidden: a member cannot probe a hidden issue through search, filters or sorts.

Only convenors see a hidden issue's words. Members see that something was hidden (the
trace in the plain list) and nothing that would let them test guesses about it.
"""

import pytest

from issues import services
from issues.models import Status
from tests.conftest import client_for
from tests.factories import IssueFactory
from tests.issues.test_views import HTMX, url

pytestmark = pytest.mark.django_db

TRACE = "Hidden by a convenor: Names a child"


@pytest.fixture
def hidden(forum, lists, convenor):
    issue = IssueFactory(
        forum=forum,
        category=lists["category"],
        service_area=lists["area"],
        title="Respite placements",
        body="The zebrafinch family on Mill Lane is struggling.",
        status=Status.NEW,
    )
    services.issue_hide(issue=issue, actor=convenor, reason="Names a child")
    IssueFactory(
        forum=forum,
        category=lists["category"],
        service_area=lists["area"],
        title="Laptops too slow",
        body="Every visit starts with a ten-minute login.",
    )
    return issue


def listing(user, forum, htmx: bool = False, **query) -> str:
    extra = HTMX if htmx else {}
    return client_for(user).get(url("list", forum), query, **extra).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"q": "zebrafinch"},
        {"q": "Mill Lane"},
        {"q": "family"},
    ],
)
def test_a_member_s_search_never_matches_a_hidden_issue(forum, member, hidden, query):
    page = listing(member, forum, **query)
    assert TRACE not in page
    assert "0 issues" in page
    assert "Respite placements" not in page


def test_a_member_s_search_gives_the_same_answer_as_for_a_word_nowhere(forum, member, hidden):
    probe = listing(member, forum, htmx=True, q="zebrafinch")
    nowhere = listing(member, forum, htmx=True, q="qwertyuiop")
    assert probe.replace("zebrafinch", "") == nowhere.replace("qwertyuiop", "")


@pytest.mark.parametrize(
    "query",
    [
        {"category": "CATEGORY"},
        {"service_area": "AREA"},
        {"status": "new"},
        {"sort": "supported"},
        {"sort": "longest_open"},
        {"q": "Respite"},
    ],
)
def test_a_member_s_filters_and_sorts_leave_hidden_issues_out(forum, lists, member, hidden, query):
    ids = {"CATEGORY": str(lists["category"].pk), "AREA": str(lists["area"].pk)}
    query = {name: ids.get(value, value) for name, value in query.items()}
    page = listing(member, forum, **query)
    assert TRACE not in page
    assert "Respite placements" not in page


def test_the_plain_list_still_shows_members_that_something_was_hidden(forum, member, hidden):
    page = listing(member, forum)
    assert TRACE in page
    assert "Respite placements" not in page and "zebrafinch" not in page


def test_convenors_find_hidden_issues_by_search_and_filter(forum, lists, convenor, hidden):
    found = listing(convenor, forum, q="zebrafinch")
    assert "Respite placements" in found and "Hidden" in found
    filtered = listing(convenor, forum, category=str(lists["category"].pk), status="new")
    assert "Respite placements" in filtered
