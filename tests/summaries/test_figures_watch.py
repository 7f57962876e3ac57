"""The dashboard's cached figures are renewed by one place (``summaries.signals``): this
watches every transaction in a forum's whole life, erasure included, and fails as soon as
one leaves the cached figures different from what plain queries count."""

import pytest
from django.db import connection, transaction

from forum_app.models import Forum, User
from forum_app.personal_data import person_erase
from issues.models import Issue, Status
from summaries import dashboard
from tests.factories import IssueFactory
from tests.forum_app.test_xss_emails import live_a_forums_life, plain_texts

pytestmark = pytest.mark.django_db


def counted(forum: Forum) -> dashboard.IssueFigures:
    """The figures as plain queries count them now, without the cache."""
    issues = Issue.objects.in_forum(forum).open()
    k = forum.k_anonymity
    return dashboard.IssueFigures(
        open_issues=issues.count(),
        by_category=dashboard.fold_small_groups(
            dashboard.issue_groups(issues, "category__name"), k
        ),
        by_service_area=dashboard.fold_small_groups(
            dashboard.issue_groups(issues, "service_area__name"), k
        ),
    )


class FiguresWatch:
    """After each outermost service transaction, compare cached figures with counted ones.

    The test's own transaction is the outermost block, so a service's ``atomic`` is a
    savepoint; when the last one is released, every forum's dashboard is read (which fills
    the cache) and compared with a fresh count.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.checking = False
        self.stale: list[str] = []
        self.checks = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if self.checking:
            return result
        statement = sql.lstrip().upper()
        if statement.startswith("SAVEPOINT"):
            self.depth += 1
        elif statement.startswith(("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            self.depth -= 1
            if self.depth == 0 and statement.startswith("RELEASE"):
                self.check()
        return result

    def check(self) -> None:
        self.checking = True
        try:
            for forum in Forum.objects.all():
                self.checks += 1
                if dashboard.issue_figures(forum) != counted(forum):
                    self.stale.append(f"{forum.name} after a transaction")
        finally:
            self.checking = False


def test_no_write_in_a_forums_life_leaves_the_dashboard_figures_stale(monkeypatch):
    watch = FiguresWatch()
    text = plain_texts()
    with connection.execute_wrapper(watch):
        live_a_forums_life(text, monkeypatch)
        authors = Issue.objects.exclude(author=None).values("author")
        for author in User.objects.filter(pk__in=authors):
            person_erase(user=author)
    assert watch.checks > 20
    assert watch.stale == []


def test_the_watch_sees_a_bulk_update_that_forgets_the_token(forum):
    IssueFactory(forum=forum)
    watch = FiguresWatch()
    with connection.execute_wrapper(watch):
        with transaction.atomic():
            pass  # fills the cache
        with transaction.atomic():
            Issue.objects.filter(forum=forum).update(status=Status.CLOSED, closed_reason="Gone")
    assert watch.stale == [f"{forum.name} after a transaction"]
