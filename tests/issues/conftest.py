"""Fixtures for the issues tests: the forum's lists and a form as a person would fill it."""

import pytest
from django.core.cache import cache

from issues.models import Category, ServiceArea
from issues.services import IssueData, forum_defaults_create


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Receipt-guess counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lists(forum):
    forum_defaults_create(forum=forum)
    return {
        "category": Category.objects.get(forum=forum, name="Caseloads and workload"),
        "safety": Category.objects.get(forum=forum, name="Personal safety"),
        "area": ServiceArea.objects.get(forum=forum, name="Children and families"),
    }


@pytest.fixture
def other_lists(other_forum):
    forum_defaults_create(forum=other_forum)
    return {
        "category": Category.objects.get(forum=other_forum, name="Caseloads and workload"),
        "area": ServiceArea.objects.get(forum=other_forum, name="Children and families"),
    }


def issue_data(lists, **overrides) -> IssueData:
    values = {
        "title": "Caseloads in the assessment team are over 30",
        "body": "Most of us hold 28 to 34 children.",
        "impact": "Visits slip; statutory timescales are missed.",
        "proposed_solution": "Publish a caseload cap.",
        "category": lists["category"],
        "service_area": lists["area"],
    }
    values.update(overrides)
    return IssueData(**values)


def form_data(lists, **overrides) -> dict:
    """The raise form as a person fills it in (named unless ``identity`` says otherwise)."""
    data = {
        "title": "Caseloads in the assessment team are over 30",
        "body": "Most of us hold 28 to 34 children.",
        "impact": "Visits slip; statutory timescales are missed.",
        "proposed_solution": "Publish a caseload cap.",
        "category": lists["category"].pk,
        "service_area": lists["area"].pk,
        "team": "",
        "evidence": "",
        "identity": "named",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
