"""One of everything, for the tests that walk every URL: the role matrix and the axe sweep.

``project_url_names()`` lists the URLs from the resolver; the ``world`` fixture gives each
persona and the sample arguments that fill every URL (keyed as ``tests/access_policy.py``
names them). Import ``world_fixture`` into a test module to use ``world`` there.
"""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.urls import URLPattern, URLResolver, get_resolver

from escalations.models import Brief
from escalations.services.briefs import brief_figure_add
from forum_app.models import Notification
from forum_app.notifications.emails import unsubscribe_token
from forum_app.services import invitation_create, membership_request
from issues import receipts
from summaries.models import ExportRecord
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


def totp_secret(user) -> str | None:
    """The secret of ``user``'s authenticator app, or None without two-factor."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return decrypt(totp.data["secret"]) if totp else None


@pytest.fixture(name="world")
def world_fixture(forum, member, convenor, steward, leader, outsider):
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
    feed = receipts.feed_token(receipts.new_receipt())
    IssueFactory(forum=forum, author=None, is_anonymous=True, feed_hash=receipts.feed_lookup(feed))
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
        "issue_feed": [forum.slug, feed],
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
    secrets = {persona: user and totp_secret(user) for persona, user in people.items()}
    return {"people": people, "args": args, "secrets": secrets}
