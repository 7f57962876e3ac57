"""Anonymity, checked the hard way: every row of every table after a real anonymous post.

Runs on PostgreSQL (``xmin`` tells which transaction wrote a row). A member raises an
anonymous safety issue and adds an update with the receipt, both through the pages; then
no row, log line or email may tie that member to the issue.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse

from forum_app.models import User
from issues import services
from issues.models import Issue, Support
from tests.conftest import client_for
from tests.factories import raise_issue
from tests.issues.conftest import form_data, issue_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

CANARY = "canary-q7x3-anonymity"


@dataclass(frozen=True)
class Row:
    table: str
    xmin: str
    values: dict
    references: dict[str, str]  # column -> referenced table

    def text(self) -> str:
        return " ".join(str(value) for value in self.values.values() if value is not None)

    def points_to(self, table: str, pk: int) -> bool:
        if self.table == table and self.values.get("id") == pk:
            return True
        return any(
            ref_table == table and self.values.get(column) == pk
            for column, ref_table in self.references.items()
        )


def every_row() -> Iterator[Row]:
    """Every row of every table in the database, with its ``xmin`` and foreign keys."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        relations = {
            table: {
                column: relation[1]
                for column, relation in connection.introspection.get_relations(
                    cursor, table
                ).items()
            }
            for table in tables
        }
    for table in tables:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT xmin::text, * FROM "{table}"')  # noqa: S608 — introspected
            names = [column.name for column in cursor.description][1:]
            for xmin, *values in cursor.fetchall():
                yield Row(table, xmin, dict(zip(names, values, strict=True)), relations[table])


@dataclass(frozen=True)
class Traces:
    """What ties rows, lines and messages to the person, and what ties them to the issue."""

    person: User
    issue: Issue
    canary: str

    def names_person(self, text: str) -> bool:
        lowered = text.lower()
        return self.person.email.lower() in lowered or (
            bool(self.person.display_name) and self.person.display_name.lower() in lowered
        )

    def names_issue(self, text: str) -> bool:
        return (
            self.canary in text
            or (self.issue.receipt_hash or "\0") in text
            or re.search(rf"/issues/{self.issue.pk}(/|\b)", text) is not None
        )

    def row_links_person(self, row: Row) -> bool:
        return row.points_to(User._meta.db_table, self.person.pk) or self.names_person(row.text())

    def row_links_issue(self, row: Row) -> bool:
        return row.points_to(Issue._meta.db_table, self.issue.pk) or self.names_issue(row.text())


@dataclass
class TransactionIds:
    """Records, for each transaction, every id it holds: its own and its savepoints'.

    Rows written inside a savepoint carry the savepoint's id in ``xmin``, not the
    transaction's; a transaction keeps a lock on each of its ids until it ends, so
    ``pg_locks`` read after every statement gives them all. Install with
    ``connection.execute_wrapper``.
    """

    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    busy: bool = False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        db = context["connection"]
        if not self.busy and not db.get_autocommit():
            self.busy = True
            try:
                with db.cursor() as cursor:
                    cursor.execute(
                        "SELECT xid(pg_current_xact_id_if_assigned())::text,"
                        " array_agg(transactionid::text) FROM pg_locks"
                        " WHERE pid = pg_backend_pid() AND locktype = 'transactionid'"
                    )
                    top, held = cursor.fetchone()
                if top:
                    self.ids[top].update(held or [])
            finally:
                self.busy = False
        return result

    def siblings(self, xmin: str) -> set[str]:
        """Every id of the transaction that wrote a row with this ``xmin``."""
        for held in self.ids.values():
            if xmin in held:
                return held
        return {xmin}


def row_problems(traces: Traces, transactions: TransactionIds) -> list[str]:
    """Rows that tie the person to the issue, or that the issue's transaction tied to them."""
    rows = list(every_row())
    issue_row = next(
        row
        for row in rows
        if row.table == Issue._meta.db_table and row.values["id"] == traces.issue.pk
    )
    written_with_issue = transactions.siblings(issue_row.xmin)
    problems = []
    for row in rows:
        if not traces.row_links_person(row):
            continue
        if traces.row_links_issue(row):
            problems.append(f"{row.table} row links the person to the issue: {row.values}")
        if row.xmin in written_with_issue:
            problems.append(f"{row.table} row about the person written with the issue")
    return problems


def same_transaction_tables(issue: Issue, transactions: TransactionIds) -> set[str]:
    rows = list(every_row())
    xmin = next(r.xmin for r in rows if r.table == "issues_issue" and r.values["id"] == issue.pk)
    together = transactions.siblings(xmin)
    return {row.table for row in rows if row.xmin in together}


def line_problems(traces: Traces, lines: list[str]) -> list[str]:
    return [line for line in lines if traces.names_person(line) and traces.names_issue(line)]


def _mail_texts() -> list[str]:
    texts = []
    for message in mail.outbox:
        parts = [message.subject, message.body, " ".join(message.to), str(message.extra_headers)]
        parts += [content for content, _mimetype in getattr(message, "alternatives", [])]
        texts.append("\n".join(parts))
    return texts


def test_anonymous_issue_leaves_no_trace_of_its_author(
    postgres, forum, lists, member, convenor, caplog
):
    caplog.set_level(logging.DEBUG)
    mail.outbox.clear()
    client = client_for(member)
    transactions = TransactionIds()
    with connection.execute_wrapper(transactions):
        response = client.post(
            reverse("issues:raise", args=[forum.slug]),
            form_data(
                lists,
                identity="anonymous",
                title=f"Lone visits at night {CANARY}",
                body=f"We are sent alone to a known risk address. {CANARY}",
                category=lists["safety"].pk,
                safety_risk="on",
                team="Night duty",
            ),
        )
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        code = re.search(r'data-copy="([A-Z2-7-]+)"', page).group(1)
        services.anonymous_publish_due(everything=True)
        response = client.post(
            reverse("issues:follow_update", args=[forum.slug]),
            {"receipt": code, "body": f"It happened again. {CANARY}"},
        )
        assert response.status_code == 302
        services.anonymous_publish_due(everything=True)
    issue = Issue.objects.get(title__contains=CANARY)
    assert issue.comments.get().from_raiser

    traces = Traces(person=member, issue=issue, canary=CANARY)
    assert issue.author_id is None and issue.is_anonymous
    assert row_problems(traces, transactions) == []
    written_together = same_transaction_tables(issue, transactions)
    assert {"issues_issue", "issues_issueevent"} <= written_together
    # The check sees savepoints too: the convenors' alert was queued in one. (Its row has
    # been updated since, when it was sent, so its xmin is no longer the transaction's.)
    assert any(len(held) > 1 for held in transactions.ids.values())
    lines = [record.getMessage() for record in caplog.records]
    assert line_problems(traces, lines) == []
    texts = _mail_texts()
    assert any(convenor.email in text and "Raised anonymously" in text for text in texts)
    assert line_problems(traces, texts) == []
    assert not any(member.email in text for text in texts)


def test_the_sweep_catches_a_row_that_links_the_author(postgres, forum, lists, member):
    """The checks above must be able to fail: a linked row written with the issue is caught."""
    transactions = TransactionIds()
    with connection.execute_wrapper(transactions), transaction.atomic():
        issue = raise_issue(
            forum=forum,
            actor=member,
            data=issue_data(lists, title=f"Linked {CANARY}"),
            anonymous=True,
        ).issue
        Support.objects.create(issue=issue, user=member)
    problems = row_problems(Traces(person=member, issue=issue, canary=CANARY), transactions)
    assert any("links the person to the issue" in problem for problem in problems)
    assert any("written with the issue" in problem for problem in problems)
    traces = Traces(person=member, issue=issue, canary=CANARY)
    assert line_problems(traces, [f"{member.email} raised {CANARY}"])
    assert line_problems(traces, [f"{member.display_name} opened /issues/{issue.pk}/"])
    assert not line_problems(traces, [f"{member.email} signed in"])
