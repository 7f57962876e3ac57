"""The dashboard's issue figures are cached; every change to what they count shows at once."""

import pytest
from django.urls import reverse

from forum_app.personal_data import person_erase
from issues import services
from issues.models import Issue, Status
from summaries.models import FiguresStamp
from tests.conftest import client_for
from tests.factories import (
    CategoryFactory,
    IssueFactory,
    ServiceAreaFactory,
    UserFactory,
    raise_issue,
)
from tests.issues.conftest import issue_data

pytestmark = pytest.mark.django_db


def figures(client, forum):
    page = client.get(reverse("summaries:dashboard", args=[forum.slug]))
    f = page.context["figures"]
    return {
        "open": f.open_issues,
        "category": [(g.label, g.size, g.value("issues")) for g in f.by_category],
        "area": [(g.label, g.size) for g in f.by_service_area],
    }


@pytest.fixture
def world(forum, member):
    """Six people's issues in "Caseloads"; in "Parking" one person's three and four anonymous."""
    caseloads = CategoryFactory(forum=forum, name="Caseloads")
    parking = CategoryFactory(forum=forum, name="Parking")
    area = ServiceAreaFactory(forum=forum, name="Fostering")
    issues = [IssueFactory(forum=forum, category=caseloads, service_area=area) for _ in range(6)]
    prolific = UserFactory()
    for _ in range(3):
        IssueFactory(forum=forum, category=parking, service_area=area, author=prolific)
    for _ in range(4):
        IssueFactory(
            forum=forum, category=parking, service_area=area, author=None, is_anonymous=True
        )
    client = client_for(member)
    before = figures(client, forum)
    assert before == {
        "open": 13,
        "category": [("Caseloads", 6, 6), ("Parking", 5, 7)],
        "area": [("Fostering", 11)],
    }
    return {
        "client": client,
        "issues": issues,
        "caseloads": caseloads,
        "parking": parking,
        "area": area,
        "prolific": prolific,
    }


def test_figures_come_from_the_cache_until_something_changes(forum, world):
    """Changing rows behind the signals' back (as a bulk load does) shows nothing new."""
    Issue.objects.filter(pk=world["issues"][0].pk).update(status=Status.CLOSED, closed_reason="x")
    assert figures(world["client"], forum)["open"] == 13


def test_a_new_issue_shows(forum, member, world):
    raise_issue(
        forum=forum,
        actor=member,
        data=issue_data({"category": world["parking"], "area": world["area"]}),
        anonymous=True,
    )
    assert figures(world["client"], forum)["open"] == 14


def test_closing_an_issue_shows(forum, convenor, world):
    services.issue_set_status(
        issue=world["issues"][0], status=Status.CLOSED, actor=convenor, reason="Done"
    )
    after = figures(world["client"], forum)
    assert after["open"] == 12
    assert after["area"] == [("Fostering", 10)]


def test_merging_a_duplicate_shows(forum, convenor, world):
    services.issue_merge(issue=world["issues"][0], into=world["issues"][1], actor=convenor)
    assert figures(world["client"], forum)["open"] == 12


def test_moving_an_issue_to_another_category_shows(forum, world):
    issue = world["issues"][0]
    issue.category = world["parking"]
    issue.save()
    assert figures(world["client"], forum)["category"] == [("Parking", 6, 8), ("Caseloads", 5, 5)]


def test_renaming_a_category_shows(forum, world):
    world["caseloads"].name = "Workload"
    world["caseloads"].save()
    assert figures(world["client"], forum)["category"][0] == ("Workload", 6, 6)


def test_erasing_a_person_shows(forum, world):
    person_erase(user=world["prolific"])
    # Their three issues now count as three people, not one.
    assert figures(world["client"], forum)["category"][0] == ("Parking", 7, 7)
    assert figures(world["client"], forum)["area"] == [("Fostering", 13)]


def test_a_new_k_shows(forum, world):
    forum.k_anonymity = 6
    forum.save()
    assert figures(world["client"], forum)["category"] == [("Other (fewer than 6)", 11, 13)]


def test_deleting_an_issue_shows(forum, world):
    world["issues"][0].delete()
    assert figures(world["client"], forum)["open"] == 12


def test_deleting_a_forum_leaves_no_stamp_behind(other_forum):
    """A forum without issues can be deleted; deleting its categories must not stamp it again."""
    CategoryFactory(forum=other_forum)
    ServiceAreaFactory(forum=other_forum)
    assert FiguresStamp.objects.filter(forum=other_forum).exists()
    forum_id = other_forum.pk
    other_forum.delete()
    assert not FiguresStamp.objects.filter(forum_id=forum_id).exists()
