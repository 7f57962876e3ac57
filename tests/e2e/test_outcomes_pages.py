"""What became of issues, in a real browser: the home page news and "You said, we did", on a
phone and a laptop, with no axe violations. (The receipt page's feed offer is checked in the
issues journey.)"""

import datetime
import os
from unittest import mock

import pytest

from escalations.models import DifferenceTally, Response
from escalations.services import briefs as brief_services
from issues import services
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, assert_accessible, login
from tests.escalations.world import sent_brief
from tests.factories import ForumFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def keep(page, name: str) -> None:
    """Save a screenshot for a person to look at, when asked to (KEEP_SCREENSHOTS=1)."""
    if os.environ.get("KEEP_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def answered_forum():
    forum = ForumFactory()
    services.forum_defaults_create(forum=forum)
    convenor = MembershipFactory(forum=forum, role="convenor").user
    leader = MembershipFactory(forum=forum, role="leader").user
    member = MembershipFactory(forum=forum).user
    with mock.patch(
        "escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7 stand-in"
    ):
        brief = sent_brief(forum, convenor, leader, issues=2, meetings=1)
    services.issue_support(issue=brief.theme.theme_issues.first().issue, actor=member)
    brief_services.brief_respond(
        brief=brief,
        actor=leader,
        position=Response.Position.ACCEPT_IN_PART,
        reasons="Two agency posts from May. A cap needs a business case first.",
    )
    brief_services.commitment_add(
        brief=brief,
        actor=leader,
        what="Fund two agency social workers for the assessment team",
        owner="Head of Children's Services",
        due_on=datetime.date.today() + datetime.timedelta(days=60),
    )
    DifferenceTally.objects.create(brief=brief, answer="a_little", count=5)
    return forum, member


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_home_news_and_you_said_we_did(new_page, live_server, answered_forum, viewport):
    forum, member = answered_forum
    page = new_page(viewport)
    login(page, live_server, member)
    page.goto(f"/f/{forum.slug}/")
    assert page.get_by_role("heading", name="What happened to issues you follow").is_visible()
    assert page.get_by_text("Two agency posts from May").first.is_visible()
    assert_accessible(page)
    keep(page, f"home-{viewport['width']}")

    page.goto(f"/f/{forum.slug}/briefs/you-said-we-did/")
    assert page.get_by_text("Head of Children's Services").is_visible()
    assert_accessible(page)
    keep(page, f"you-said-we-did-{viewport['width']}")
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("1 escalation").is_visible()
