"""A convenor's redaction removes the earlier wording everywhere, and records only that it
happened."""

import pytest
from django.urls import reverse

from forum_app.models import Notification
from issues import services
from issues.models import IssueEvent, IssueRedaction, IssueRevision
from tests.conftest import client_for
from tests.factories import raise_issue
from tests.issues.conftest import form_data, issue_data

pytestmark = pytest.mark.django_db

MARKER = "Zebedee-Quist"


@pytest.fixture
def identifying(forum, lists, member):
    """An anonymous safety issue that names its writer's team leader, edited once already."""
    data = issue_data(
        lists, title=f"{MARKER} shouts at us", body=f"{MARKER} in the east team.", safety_risk=True
    )
    issue = raise_issue(forum=forum, actor=member, data=data, anonymous=True).issue
    return services.issue_edit(
        issue=issue,
        actor=member,
        data=issue_data(lists, title=f"{MARKER} shouts", body=f"{MARKER}, east team."),
        expected_version=issue.version,
    )


def redact(issue, convenor, lists):
    return services.issue_edit(
        issue=issue,
        actor=convenor,
        data=issue_data(lists, title="A manager shouts at us", body="In one of the teams."),
        expected_version=issue.version,
        redact=True,
    )


def test_a_redaction_leaves_no_copy_of_the_words_it_removed(
    identifying, convenor, lists, django_capture_on_commit_callbacks
):
    assert IssueRevision.objects.filter(title__contains=MARKER).exists()
    with django_capture_on_commit_callbacks() as after_commit:
        redacted = redact(identifying, convenor, lists)
    # Then the tables are rewritten (tests/forensics/test_stored_words.py reads the disk).
    assert services._rewrite_later in after_commit
    assert MARKER not in redacted.title + redacted.body
    assert not IssueRevision.objects.filter(issue=redacted).exists()
    assert not any(MARKER in str(n.context) for n in Notification.objects.all())
    assert not IssueEvent.objects.filter(text__contains=MARKER).exists()
    record = IssueRedaction.objects.get()
    assert record.redacted_by == convenor and record.issue == redacted


def test_an_ordinary_edit_still_keeps_the_earlier_wording(identifying, convenor, lists):
    services.issue_edit(
        issue=identifying,
        actor=convenor,
        data=issue_data(lists, title="A manager shouts at us"),
        expected_version=identifying.version,
    )
    assert IssueRevision.objects.filter(title__contains=MARKER).exists()


def test_the_issue_page_says_it_was_redacted_and_by_whom_only_to_convenors(
    identifying, convenor, member, lists, forum
):
    url = reverse("issues:edit", args=[forum.slug, identifying.pk])
    data = form_data(lists, title="A manager shouts at us", body="In one of the teams.")
    data |= {"version": identifying.version, "redact": "on"}
    client = client_for(convenor)
    assert "a redaction" in client.get(url).content.decode()
    assert client.post(url, data).status_code == 302
    page = client.get(identifying.get_absolute_url()).content.decode()
    assert f"Redacted by {convenor}" in page and MARKER not in page
    member_page = client_for(member).get(identifying.get_absolute_url()).content.decode()
    assert "Redacted by a convenor" in member_page and str(convenor) not in member_page


def test_only_a_convenor_can_redact(member, lists, forum):
    issue = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=False).issue
    url = reverse("issues:edit", args=[forum.slug, issue.pk])
    client = client_for(member)
    page = client.get(url).content.decode()
    assert "Edit issue" in page and "a redaction" not in page
    data = form_data(lists, title="Reworded") | {"version": issue.version, "redact": "on"}
    assert client.post(url, data).status_code == 302
    assert IssueRevision.objects.filter(issue=issue).exists()
    assert not IssueRedaction.objects.exists()
