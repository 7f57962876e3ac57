"""What a copy of the database must not hold: authenticator secrets in clear, redacted words."""

import time

import pytest
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.db import connection

from forum_app.accounts import MFAAdapter
from issues import services
from issues.tasks import rewrite_after_redaction
from tests.factories import raise_issue, with_totp
from tests.forensics.conftest import heap, user_tables
from tests.issues.conftest import issue_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

MARKER = b"Zebedee-Quist"


def anywhere(needle: bytes) -> list[str]:
    """The attack: every table whose rows, live or dead, hold ``needle`` in any column."""
    return [
        table
        for table in user_tables()
        if any(
            isinstance(value, bytes) and needle in value
            for version in heap(table)
            for value in version.values.values()
        )
    ]


def test_authenticator_secrets_are_not_in_the_database(pageinspect, convenor):
    secret = decrypt(Authenticator.objects.get(user=convenor, type="totp").data["secret"])
    assert secret
    assert anywhere(secret.encode()) == []


def test_the_attack_finds_secrets_stored_in_clear(pageinspect, member, monkeypatch):
    monkeypatch.setattr(MFAAdapter, "encrypt", DefaultMFAAdapter.encrypt)
    monkeypatch.setattr(MFAAdapter, "decrypt", DefaultMFAAdapter.decrypt)
    with_totp(member)
    secret = Authenticator.objects.get(user=member, type="totp").data["secret"]
    assert anywhere(secret.encode()) == ["mfa_authenticator"]


def identifying_issue(forum, lists, member):
    data = issue_data(lists, title="Zebedee-Quist shouts at us", body="Zebedee-Quist, east team.")
    issue = raise_issue(forum=forum, actor=member, data=data, anonymous=True).issue
    return services.issue_edit(
        issue=issue,
        actor=member,
        data=issue_data(lists, title="Zebedee-Quist shouts", body="Zebedee-Quist again."),
        expected_version=issue.version,
    )


def rewrite_once_nothing_older_runs() -> None:
    """What the task does when a transaction older than the redaction (another test's backup,
    say) kept the old rows: wait until none runs, then rewrite again.

    Only transactions in this database hold back what VACUUM FULL may drop here, so runs in
    other databases (another test worker's) are not waited for.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        (now,) = cursor.fetchone()
        for _ in range(1200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() "
                "AND backend_xmin IS NOT NULL AND backend_xmin::text::bigint < %s",
                [now & 0xFFFFFFFF],
            )
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.1)
    rewrite_after_redaction.apply()


def test_a_redaction_leaves_the_words_nowhere_in_the_database(
    pageinspect, forum, lists, member, convenor
):
    issue = identifying_issue(forum, lists, member)
    assert "issues_issuerevision" in anywhere(MARKER)

    services.issue_edit(
        issue=issue,
        actor=convenor,
        data=issue_data(lists, title="A manager shouts at us", body="In one team."),
        expected_version=issue.version,
        redact=True,
    )
    rewrite_once_nothing_older_runs()

    assert anywhere(MARKER) == []


def test_the_attack_finds_redacted_words_in_old_row_versions_without_the_rewrite(
    pageinspect, forum, lists, member, convenor, monkeypatch
):
    monkeypatch.setattr(services, "_rewrite_later", lambda: None)
    issue = identifying_issue(forum, lists, member)
    services.issue_edit(
        issue=issue,
        actor=convenor,
        data=issue_data(lists, title="A manager shouts at us", body="In one team."),
        expected_version=issue.version,
        redact=True,
    )
    assert "issues_issue" in anywhere(MARKER)  # the issue's old row version, on disk
