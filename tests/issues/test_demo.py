"""The demo forum gets realistic issues."""

import pytest
from django.core.management import call_command

from forum_app.demo import DEMO_FORUM_SLUG
from forum_app.models import Forum
from issues.demo import seed_issues
from issues.models import Category, Comment, Issue, ServiceArea, Status, Support

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_sample_issues_once(capsys):
    call_command("seed_demo")
    forum = Forum.objects.get(slug=DEMO_FORUM_SLUG)
    issues = Issue.objects.in_forum(forum)
    assert issues.count() == 45
    assert Category.objects.filter(forum=forum).count() == 10
    assert ServiceArea.objects.filter(forum=forum).count() == 6
    anonymous = issues.filter(is_anonymous=True)
    assert 10 <= anonymous.count() <= 20
    assert not anonymous.exclude(author=None).exists()
    assert not issues.filter(is_anonymous=False, author=None).exists()
    dates = sorted(issues.values_list("raised_on", flat=True))
    assert (dates[-1] - dates[0]).days >= 150
    assert Support.objects.filter(issue__forum=forum).count() > 45
    assert Comment.objects.filter(issue__forum=forum).exists()
    assert issues.exclude(status=Status.NEW).exists()
    assert seed_issues(forum) == 0
    assert issues.count() == 45


def test_create_forum_gives_a_new_forum_its_lists():
    call_command("create_forum", "Adults' Forum", "adults", "lead@council.example")
    forum = Forum.objects.get(slug="adults")
    assert Category.objects.filter(forum=forum, is_safety=True).exists()
    assert ServiceArea.objects.filter(forum=forum).count() == 6
