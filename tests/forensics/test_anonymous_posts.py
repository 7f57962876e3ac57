"""An anonymous issue or update cannot be tied to its writer from the database, sessions,
outbox or logs.

The scenario: members are busy on the forum under their names; one of them supports an issue
and, straight after, raises another anonymously (a safety issue, so the convenors are alerted),
then later posts an anonymous update with the receipt code. The adversary then reads every
row version in every table, the sessions, the outbox and every log line written meanwhile.
"""

import hashlib
import logging

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from forum_app.models import Notification
from issues import receipts, services
from issues.models import Issue
from tests.conftest import client_for
from tests.factories import IssueFactory, MembershipFactory
from tests.forensics.conftest import current_xid, written_between
from tests.issues.conftest import form_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def person_writes() -> list[tuple[int, int]]:
    """(transaction id, person) of every row that names who did something."""
    queries = [
        "SELECT xmin::text::bigint, user_id FROM issues_support",
        "SELECT xmin::text::bigint, user_id FROM issues_follow",
        "SELECT xmin::text::bigint, author_id FROM issues_comment WHERE author_id IS NOT NULL",
        "SELECT xmin::text::bigint, author_id FROM issues_issue WHERE author_id IS NOT NULL",
    ]
    found = []
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            found.extend(cursor.fetchall())
    return sorted(found)


def neighbours(xid: int) -> set[int]:
    """The attack: whoever wrote just before and just after the anonymous row."""
    writes = person_writes()
    before = [person for x, person in writes if x < xid]
    after = [person for x, person in writes if x > xid]
    return set(before[-1:] + after[:1])


def anonymous_issue_xid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text::bigint FROM issues_issue WHERE is_anonymous")
        return cursor.fetchone()[0]


def support(client, issue) -> None:
    url = reverse("issues:support", args=[issue.forum.slug, issue.pk])
    assert client.post(url).status_code == 302


@pytest.fixture
def busy_forum(forum, lists, convenor):
    """Six members signed in, and issues for them to support."""
    people = [MembershipFactory(forum=forum).user for _ in range(6)]
    clients = {person.pk: client_for(person) for person in people}
    issues = IssueFactory.create_batch(6, forum=forum)
    return people, clients, issues


def raise_anonymously(client, forum, lists, caplog) -> tuple[int, int]:
    """The raise itself, between two transaction-id marks, with every log line captured."""
    data = form_data(
        lists,
        identity="anonymous",
        category=lists["safety"].pk,
        title="Lone visits to the Marsh estate after dark",
        submission=receipts.new_submission(),
    )
    low = current_xid()
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("issues:raise", args=[forum.slug]), data)
        receipt_page = client.get(response["Location"])
    high = current_xid()
    assert response.status_code == 302 and receipt_page.status_code == 200
    return low, high


def test_an_anonymous_raise_leaves_no_trace_and_appears_apart_from_its_writer(
    pageinspect, forum, lists, busy_forum, caplog
):
    people, clients, issues = busy_forum
    writer = people[2]
    for person, issue in zip(people[:2], issues, strict=False):
        support(clients[person.pk], issue)
    support(clients[writer.pk], issues[2])  # named, just before raising anonymously
    caplog.clear()

    low, high = raise_anonymously(clients[writer.pk], forum, lists, caplog)

    # The raise wrote nothing anywhere: no issue, no outbox row, no session, no rate limit.
    assert written_between(low + 1, high - 1) == {}
    assert not Issue.objects.filter(is_anonymous=True).exists()
    lines = [r.getMessage() for r in caplog.records]
    assert not [line for line in lines if "issues" in line or str(writer.pk) in line], lines

    for person, issue in zip(people[3:], issues[3:], strict=True):
        support(clients[person.pk], issue)
    with caplog.at_level(logging.DEBUG):
        services.anonymous_publish_due(everything=True)  # the sweeper, when it is due

    issue = Issue.objects.get(is_anonymous=True)
    assert issue.author is None
    assert writer.pk not in neighbours(anonymous_issue_xid())
    alerts = Notification.objects.filter(kind="safety_issue_raised")
    assert alerts.exists()
    assert not [r for r in caplog.records if writer.email in r.getMessage()]


def test_an_anonymous_update_leaves_no_trace(pageinspect, forum, lists, busy_forum, caplog):
    people, clients, _issues = busy_forum
    writer = clients[people[0].pk]
    raise_anonymously(writer, forum, lists, caplog)
    services.anonymous_publish_due(everything=True)
    issue = Issue.objects.get(is_anonymous=True)
    code = writer.get(reverse("issues:receipt", args=[forum.slug])).content.decode()
    code = code.split('data-copy="')[1].split('"')[0]
    assert issue.receipt_hash == receipts.receipt_hash(code)

    low = current_xid()
    with caplog.at_level(logging.DEBUG):
        response = writer.post(
            reverse("issues:follow_update", args=[forum.slug]),
            {"receipt": code, "body": "It happened again.", "submission": "cd" * 16},
        )
    high = current_xid()

    assert response.status_code == 302
    assert written_between(low + 1, high - 1) == {}
    services.anonymous_publish_due(everything=True)
    assert issue.comments.get().from_raiser


def test_the_attack_names_the_writer_when_the_issue_is_written_at_once(
    pageinspect, forum, lists, busy_forum, caplog, monkeypatch
):
    """The old design: the issue is written by the raise request itself."""
    original = services.issue_raise_anonymous

    def at_once(**kwargs):
        receipt = original(**kwargs)
        services.anonymous_publish_due(everything=True)
        return receipt

    monkeypatch.setattr(services, "issue_raise_anonymous", at_once)
    people, clients, issues = busy_forum
    writer = people[2]
    for person, issue in zip(people[:2], issues, strict=False):
        support(clients[person.pk], issue)
    support(clients[writer.pk], issues[2])

    low, high = raise_anonymously(clients[writer.pk], forum, lists, caplog)
    for person, issue in zip(people[3:], issues[3:], strict=True):
        support(clients[person.pk], issue)

    assert "issues_issue" in written_between(low + 1, high - 1)
    assert neighbours(anonymous_issue_xid()) == {writer.pk, people[3].pk}
    assert writer.pk in neighbours(anonymous_issue_xid())


def test_the_feed_address_hides_the_code_and_reading_it_writes_nothing(
    pageinspect, forum, lists, busy_forum, caplog
):
    people, clients, _issues = busy_forum
    writer = clients[people[0].pk]
    raise_anonymously(writer, forum, lists, caplog)
    services.anonymous_publish_due(everything=True)
    issue = Issue.objects.get(is_anonymous=True)
    page = writer.get(reverse("issues:receipt", args=[forum.slug])).content.decode()
    code = page.split('data-copy="')[1].split('"')[0]
    feed_url = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]

    token = feed_url.rstrip("/").rsplit("/", 1)[1]
    for secret in (code, receipts.normalise(code), issue.receipt_hash):
        assert secret.lower() not in feed_url.lower()
    # What the issue keeps is keyed: the address in an access log does not lead to it alone.
    assert issue.feed_hash not in (token, hashlib.sha256(token.encode()).hexdigest())

    reader = Client()  # a feed reader: no account, no session
    low = current_xid()
    with caplog.at_level(logging.DEBUG):
        response = reader.get(feed_url)
    high = current_xid()
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert written_between(low + 1, high - 1) == {}
    assert not [r for r in caplog.records if token in r.getMessage()]
