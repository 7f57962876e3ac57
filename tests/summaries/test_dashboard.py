"""The forum dashboard: figures, folding of small groups, charts safe under the CSP."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalations.models import Brief, BriefStatus, Commitment
from issues.models import Issue
from meetings.models import MeetingTheme, ThemeStatus
from summaries.anonymity import Group, fold_small_groups
from tests.conftest import client_for
from tests.factories import (
    CategoryFactory,
    IssueFactory,
    MeetingFactory,
    ServiceAreaFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(forum) -> str:
    return reverse("summaries:dashboard", args=[forum.slug])


def g(label, size):
    return Group(label=label, values={"issues": size}, unnamed=size)


def test_folding_keeps_big_groups_and_folds_small_ones():
    folded = fold_small_groups([g("A", 9), g("B", 3), g("C", 2), g("D", 6)], 5)
    assert [(x.label, x.size) for x in folded] == [("A", 9), ("D", 6), ("Other (fewer than 5)", 5)]


def test_folding_pulls_in_the_smallest_shown_group_so_other_cannot_be_worked_out():
    folded = fold_small_groups([g("A", 9), g("B", 6), g("C", 2)], 5)
    assert [(x.label, x.size) for x in folded] == [("A", 9), ("Other (fewer than 5)", 8)]


def test_folding_shows_nothing_when_everyone_together_is_too_few():
    assert fold_small_groups([g("A", 2), g("B", 2)], 5) == []


def test_one_named_author_with_many_issues_counts_as_one_person(forum, member):
    prolific = UserFactory()
    crowded = CategoryFactory(forum=forum, name="Caseloads")
    lonely = CategoryFactory(forum=forum, name="Car parking")
    for _ in range(5):
        IssueFactory(forum=forum, category=crowded)  # five people
    for _ in range(7):
        IssueFactory(forum=forum, category=lonely, author=prolific)
    for _ in range(3):
        IssueFactory(forum=forum, category=lonely, author=None, is_anonymous=True)
    IssueFactory(forum=forum, category=CategoryFactory(forum=forum, name="Lifts"))
    page = client_for(member).get(url(forum))
    groups = page.context["figures"].by_category
    assert [(x.label, x.size, x.value("issues")) for x in groups] == [
        ("Caseloads", 5, 5),
        ("Other (fewer than 5)", 5, 11),
    ]
    assert "Car parking" not in page.content.decode()


def test_anonymous_issues_count_as_one_person_each(forum, member):
    area = ServiceAreaFactory(forum=forum, name="Disabled children")
    for _ in range(5):
        IssueFactory(forum=forum, service_area=area, author=None, is_anonymous=True)
    groups = client_for(member).get(url(forum)).context["figures"].by_service_area
    assert [(x.label, x.size) for x in groups] == [("Disabled children", 5)]


def test_dashboard_shows_themes_briefs_and_commitments(forum, member, convenor, leader):
    from tests.escalations.world import sent_brief

    again = ThemeFactory(forum=forum, name="Lone working at night")
    for _ in range(2):
        MeetingTheme.objects.create(meeting=MeetingFactory(forum=forum), theme=again)
    ThemeFactory(forum=forum, name="Parked one", status=ThemeStatus.PARKED)
    brief = sent_brief(forum, convenor, leader)
    Commitment.objects.create(
        brief=brief, what="Fund two posts", owner="Director", due_on=datetime.date(2020, 1, 1)
    )
    page = client_for(member).get(url(forum))
    text = page.content.decode()
    assert "Lone working at night" in text
    assert brief.reference in text
    assert "Fund two posts" in text
    statuses = dict(page.context["figures"].themes_by_status)
    assert statuses["Parked"] == 1


def test_charts_are_images_with_data_tables_and_no_inline_styles(forum, member):
    for _ in range(6):
        IssueFactory(forum=forum, category=CategoryFactory(forum=forum, name="IT"))
    text = client_for(member).get(url(forum)).content.decode()
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="[^"]+"', text)
    assert "<svg" not in text
    assert " style=" not in text
    assert "<table>" in text


def _seed(forum, count: int) -> None:
    categories = [CategoryFactory(forum=forum, name=f"Category {count}.{i}") for i in range(4)]
    areas = [ServiceAreaFactory(forum=forum, name=f"Area {count}.{i}") for i in range(3)]
    authors = [UserFactory() for _ in range(8)]
    Issue.objects.bulk_create(
        Issue(
            forum=forum,
            title=f"Issue {i}",
            body="b",
            impact="i",
            proposed_solution="p",
            category=categories[i % 4],
            service_area=areas[i % 3],
            raised_on=datetime.date(2026, 1, 1),
            author=None if i % 5 == 0 else authors[i % 8],
            is_anonymous=i % 5 == 0,
        )
        for i in range(count)
    )
    theme = ThemeFactory(forum=forum)
    MeetingTheme.objects.create(meeting=MeetingFactory(forum=forum), theme=theme)
    _sent_brief(forum, theme, f"B-{count}")


def _sent_brief(forum, theme, reference: str) -> Brief:
    return Brief.objects.create(
        forum=forum,
        theme=theme,
        reference=reference,
        title="t",
        problem="p",
        ask="a",
        status=BriefStatus.SENT,
    )


def _queries(client, forum) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(forum)).status_code == 200
    return len(captured)


def test_the_dashboard_reads_in_the_same_number_of_queries_at_10_and_200_issues(forum, member):
    client = client_for(member)
    client.get(url(forum))  # a session's first page also stamps when it began
    _seed(forum, 10)  # new categories: the issue figures are counted afresh
    small = _queries(client, forum)
    _seed(forum, 190)
    assert Issue.objects.count() == 200
    assert _queries(client, forum) == small
    assert small <= 11
    # Until something changes, the issue figures come from the cache.
    assert _queries(client, forum) == small - 3


@pytest.mark.parametrize("persona", ["leader", "steward", "outsider"])
def test_people_outside_the_forum_itself_get_404(forum, persona, request):
    person = request.getfixturevalue(persona)
    assert client_for(person).get(url(forum)).status_code == 404


def test_long_lists_show_the_first_ten_and_say_how_many_in_all(forum, member):
    theme = ThemeFactory(forum=forum)
    for i in range(12):
        _sent_brief(forum, theme, f"W-{i:02d}")

    page = client_for(member).get(url(forum)).content.decode()

    assert page.count(">W-") == 10
    assert "The 10 due soonest, of 12." in page
    assert '<p class="big-number">12</p>' in page
