"""Every URL × every persona, from the URL resolver and the one policy table."""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from escalations.models import Brief
from escalations.services.briefs import brief_figure_add
from forum_app.models import Notification
from forum_app.notifications.emails import unsubscribe_token
from forum_app.services import invitation_create, membership_request
from summaries.models import ExportRecord
from tests.access_policy import PERSONAS, POLICY
from tests.conftest import client_for
from tests.escalations.world import escalation_world
from tests.factories import CommentFactory, IssueFactory, UserFactory
from tests.meetings.world import meeting_world

PROJECT_APPS = ("forum_app", "issues", "meetings", "escalations", "summaries")


def project_url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    """Names of every URL pattern whose view lives in one of the project's apps."""
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= project_url_names(entry, inner)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "")
            if module.split(".")[0] in PROJECT_APPS:
                assert entry.name, f"URL {entry.pattern} has no name"
                names.add(f"{namespace}{entry.name}")
    return names


def test_every_project_url_has_a_policy_row():
    missing = project_url_names() - POLICY.keys()
    assert not missing, f"Add these URLs to tests/access_policy.py: {sorted(missing)}"


def test_policy_has_no_stale_rows():
    stale = POLICY.keys() - project_url_names()
    assert not stale, f"These policy rows name no URL: {sorted(stale)}"


@pytest.fixture
def world(forum, member, convenor, steward, leader, outsider):
    applicant = UserFactory()
    pending = membership_request(forum=forum, user=applicant)
    issued = invitation_create(
        forum=forum, actor=convenor, email="new@council.example", role="member"
    )
    failed_notification = Notification.objects.create(
        kind="membership_requested",
        email="gone@council.example",
        forum=forum,
        dedupe_key="role-matrix-failed",
        status=Notification.Status.FAILED,
        last_error="550 No such user",
    )
    issue = IssueFactory(forum=forum, author=member)
    comment = CommentFactory(issue=issue, author=convenor)
    people = {
        "anonymous": None,
        "member": member,
        "convenor": convenor,
        "steward": steward,
        "leader": leader,
        "outsider": outsider,
    }
    args = {
        "": [],
        "forum": [forum.slug],
        "pending_membership": [forum.slug, pending.pk],
        "open_invitation": [forum.slug, issued.invitation.pk],
        "invitation_token": [issued.token],
        "unsubscribe_token": [unsubscribe_token(member.pk, "membership_requested")],
        "failed_notification": [forum.slug, failed_notification.pk],
        "mail_file": ["20250101-000000-1.log", 0],
        "issue": [forum.slug, issue.pk],
        "comment": [forum.slug, comment.pk],
    }
    args |= meeting_world(forum, convenor, member)
    args |= escalation_world(forum, convenor, leader)
    cited = brief_figure_add(
        brief=Brief.objects.get(pk=args["draft_brief"][1]),
        actor=convenor,
        text="Average caseload 29 across the forum (23 answers, October 2026)",
        source="Workload pulse, October 2026",
    )
    args["brief_figure"] = [*args["draft_brief"], cited.pk]
    export = ExportRecord.objects.create(
        user=steward,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        format="csv",
    )
    args["export_job"] = [export.pk]
    return {"people": people, "args": args}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(POLICY))
def test_url_answers_each_persona_as_the_policy_says(world, name, persona):
    rule = POLICY[name]
    url = reverse(name, args=world["args"][rule.args])
    client = client_for(world["people"][persona])
    response = getattr(client, rule.method)(url, rule.data)
    assert response.status_code == rule.expected(persona), f"{rule.method.upper()} {url}"
    if persona == "anonymous" and response.status_code == 302 and name != "home":
        assert response["Location"].startswith(reverse("account_login"))
