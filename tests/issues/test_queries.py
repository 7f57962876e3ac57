"""Pages load what they show in a fixed number of queries, however many issues there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import services
from issues.models import Issue, Support
from issues.services import IssueData
from tests.conftest import client_for
from tests.factories import CommentFactory, IssueFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fill(forum, count: int, supporters) -> None:
    issues = IssueFactory.create_batch(count, forum=forum)
    for index, issue in enumerate(issues):
        for user in supporters[: index % 4]:
            Support.objects.create(issue=issue, user=user)
        if index % 3 == 0:
            CommentFactory(issue=issue)


def _queries(client, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "supported"}, {"q": "Issue", "sort": "longest_open", "supported": "on"}],
)
def test_list_queries_do_not_grow_with_the_number_of_issues(forum, member, params):
    supporters = [member, *UserFactory.create_batch(3)]
    client = client_for(member)
    path = reverse("issues:list", args=[forum.slug])
    _fill(forum, 10, supporters)
    client.get(path)  # warm the session and caches
    at_ten = _queries(client, path, **params)
    _fill(forum, 190, supporters)
    at_two_hundred = _queries(client, path, **params)
    assert at_ten == at_two_hundred
    assert at_ten <= 12


def test_detail_queries_do_not_grow_with_comments(forum, member):
    client = client_for(member)
    issue = IssueFactory(forum=forum)
    path = reverse("issues:detail", args=[forum.slug, issue.pk])
    CommentFactory.create_batch(2, issue=issue)
    client.get(path)
    few = _queries(client, path)
    CommentFactory.create_batch(40, issue=issue)
    assert _queries(client, path) == few


def test_forum_home_queries_do_not_grow(forum, member):
    client = client_for(member)
    path = reverse("forum_home", args=[forum.slug])
    IssueFactory.create_batch(3, forum=forum)
    client.get(path)
    few = _queries(client, path)
    IssueFactory.create_batch(30, forum=forum)
    assert _queries(client, path) == few


def _plan(found) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return found.explain()


def test_postgres_search_uses_the_index_on_the_stored_document(postgres, forum):
    IssueFactory(forum=forum, title="Laptops freeze during visits")
    IssueFactory(forum=forum, title="Rota gaps at weekends")
    found = Issue.objects.search("laptop freezing")
    assert [issue.title for issue in found] == ["Laptops freeze during visits"]
    plan = _plan(found)
    assert "issue_search" in plan
    assert "to_tsvector" not in plan  # nothing computed from the texts, row by row


def test_postgres_search_follows_edits_and_bulk_inserts(postgres, forum, lists, convenor):
    issue = IssueFactory(forum=forum, title="Laptops freeze during visits")
    data = IssueData(
        title="Interpreters take days to book",
        body="Booking an interpreter takes three days.",
        impact=issue.impact,
        proposed_solution="A direct line.",
        category=lists["category"],
        service_area=lists["area"],
    )
    services.issue_edit(issue=issue, actor=convenor, data=data, expected_version=1)
    assert not Issue.objects.search("laptop").exists()
    assert list(Issue.objects.search("interpreter")) == [issue]

    Issue.objects.bulk_create(
        [
            Issue(
                forum=forum,
                title="Parking permits withdrawn",
                body="We circle the streets.",
                impact="Late for visits.",
                proposed_solution="Bring back permits.",
                category=lists["category"],
                service_area=lists["area"],
                raised_on=issue.raised_on,
            )
        ]
    )
    assert [found.title for found in Issue.objects.search("permit")] == [
        "Parking permits withdrawn"
    ]
    Issue.objects.filter(pk=issue.pk).update(title="Parking is impossible")
    assert Issue.objects.search("parking").count() == 2


def test_postgres_search_ranks_the_best_match_first(postgres, forum):
    IssueFactory(forum=forum, title="Rota gaps", body="The laptop is slow.")
    best = IssueFactory(
        forum=forum, title="Laptop freezes", body="The laptop freezes; the laptop is lost."
    )
    found = Issue.objects.search("laptop").sorted_by("relevance")
    assert list(found) == [best, Issue.objects.get(title="Rota gaps")]
