"""Twenty simultaneous "me too" clicks from one person count once (PostgreSQL)."""

import threading

import pytest
from django.db import connections

from issues import services
from issues.models import Issue
from tests.factories import IssueFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

THREADS = 20


def test_simultaneous_supports_by_one_person_count_once(postgres, forum, member):
    issue = IssueFactory(forum=forum)
    before = Issue.objects.with_counts().get(pk=issue.pk).support_count
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def support() -> None:
        try:
            start.wait(timeout=30)
            services.issue_support(issue=issue, actor=member)
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=support) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert Issue.objects.with_counts().get(pk=issue.pk).support_count == before + 1
