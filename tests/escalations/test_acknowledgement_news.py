"""A leader's acknowledgement of a brief is news to the followers of its issues."""

from unittest import mock

import pytest
from django.utils.formats import date_format

from escalations.services import briefs as brief_services
from forum_app.models import Delivery, Notification
from forum_app.notifications import digests_send
from issues import services
from issues.models import IssueEvent
from tests.escalations.world import sent_brief
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_pdfs():
    with mock.patch(
        "escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7 stand-in"
    ):
        yield


def digest_lines(user) -> list[str]:
    return [
        item["line"]
        for row in Notification.objects.filter(kind="digest", recipient=user)
        for item in row.context["items"]
    ]


def test_a_follower_hears_that_a_leader_acknowledged_the_brief_once(
    forum, convenor, leader, django_capture_on_commit_callbacks
):
    follower = MembershipFactory(forum=forum).user
    bystander = MembershipFactory(forum=forum).user
    brief = sent_brief(forum, convenor, leader)
    followed = brief.theme.theme_issues.order_by("pk").first().issue
    services.issue_follow(issue=followed, actor=follower)

    brief_services.brief_acknowledge(brief=brief, actor=leader)
    brief_services.brief_acknowledge(brief=brief, actor=leader)  # a second click tells nobody
    events = IssueEvent.objects.filter(issue=followed, text__contains="acknowledged")
    assert events.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        digests_send(period=Delivery.DAILY)
    (line,) = [line for line in digest_lines(follower) if "acknowledged" in line]
    brief.refresh_from_db()
    assert followed.title in line and brief.title in line
    assert date_format(brief.response_by, "j F Y") in line
    assert digest_lines(bystander) == []
