"""Fixtures for the issues tests: the forum's lists and a form as a person would fill it."""

import pytest
from django.core.cache import cache

from issues import similar
from issues.models import Category, ServiceArea
from issues.services import IssueData, forum_defaults_create


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Receipt-guess counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


REAL_FIT_IN_BACKGROUND = similar._fit_in_background


def _fit_inline(forum_id: int, stamp: int | None, lock) -> None:
    try:
        similar._refit(forum_id, stamp)
    finally:
        lock.release()


@pytest.fixture(autouse=True)
def _fits_inline(monkeypatch):
    """Fit similarity vectors within the request that starts the fit.

    A test's rows sit in a transaction that is never committed, which a background thread
    cannot see. Tests of the background fits themselves ask for ``background_fits``.
    """
    monkeypatch.setattr(similar, "_fit_in_background", _fit_inline)


@pytest.fixture
def background_fits(_fits_inline, monkeypatch):
    """Fit in a background thread, as the web processes do (needs committed rows)."""
    monkeypatch.setattr(similar, "_fit_in_background", REAL_FIT_IN_BACKGROUND)
    yield
    similar.wait_for_refits()


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
