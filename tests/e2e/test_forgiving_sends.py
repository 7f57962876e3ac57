"""Back and refresh after every create: raise, anonymous raise, comment, decision, brief send.

Each action is done once in a real browser, then the page is refreshed, Back is pressed and
the form sent again where the browser shows it; the database must hold one of each.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from escalations.models import BriefVersion
from forum_app.models import Role
from issues import services as issue_services
from issues.models import Comment, Issue
from issues.services import forum_defaults_create
from meetings.models import Decision, Phase
from tests.e2e.conftest import PHONE, assert_accessible, login
from tests.e2e.test_issues_journey import fill_issue
from tests.escalations.world import draft_brief
from tests.factories import ForumFactory, MembershipFactory
from tests.meetings.conftest import advance_to, grouped_meeting
from tests.world import totp_secret


@pytest.fixture
def children(db):
    forum = ForumFactory(name="Children's Practitioner Forum", slug="childrens")
    forum_defaults_create(forum=forum)
    return forum


def send_again_after_back(page, button: str) -> None:
    """Press Back, then the form's button if the browser shows the form again."""
    page.go_back()
    page.wait_for_load_state()
    again = page.get_by_role("button", name=button)
    if again.count():
        again.first.click()
        page.wait_for_load_state()


def signed_in_phone(new_page, live_server, forum):
    raiser = MembershipFactory(forum=forum, role=Role.MEMBER).user
    phone = new_page(PHONE)
    phone.set_default_navigation_timeout(60_000)
    login(phone, live_server, raiser)
    return phone


def test_a_named_raise_survives_back_and_refresh(new_page, live_server, children):
    forum = children
    phone = signed_in_phone(new_page, live_server, forum)
    phone.goto(reverse("issues:raise", args=[forum.slug]))
    fill_issue(phone, "Named: caseloads over 30")
    phone.get_by_label(re.compile(r"^Under my name")).check()
    phone.get_by_role("button", name="Raise the issue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Named: caseloads over 30")
    phone.reload()
    send_again_after_back(phone, "Raise the issue")
    assert Issue.objects.filter(title="Named: caseloads over 30").count() == 1


def test_an_anonymous_raise_and_a_comment_survive_back_and_refresh(new_page, live_server, children):
    forum = children
    phone = signed_in_phone(new_page, live_server, forum)

    # Anonymous: the receipt page refreshed, then Back and Send.
    phone.goto(reverse("issues:raise", args=[forum.slug]))
    fill_issue(phone, "Anonymous: lone visits after dark")
    phone.get_by_label("Anonymously", exact=True).check()
    phone.get_by_role("button", name="Raise the issue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Your issue has been sent anonymously"
    )
    phone.reload()
    send_again_after_back(phone, "Raise the issue")
    issue_services.anonymous_publish_due(everything=True)
    assert Issue.objects.filter(title="Anonymous: lone visits after dark").count() == 1

    # A comment on it.
    issue = Issue.objects.get(title="Anonymous: lone visits after dark")
    phone.goto(issue.get_absolute_url())
    phone.get_by_label("Your comment").fill("Same in the east team.")
    phone.get_by_role("button", name="Post comment").click()
    expect(phone.locator("#comments li").last).to_contain_text("Same in the east team.")
    phone.reload()
    send_again_after_back(phone, "Post comment")
    assert Comment.objects.filter(issue=issue, body__contains="east team").count() == 1
    assert_accessible(phone)


def test_a_decision_and_a_brief_survive_back_and_refresh(
    new_page, live_server, forum, convenor, leader
):
    meeting, _themes = grouped_meeting(forum, convenor, names=("Caseloads",))
    meeting = advance_to(meeting, convenor, Phase.DECIDE)
    brief = draft_brief(forum, convenor, leader)
    page = new_page(PHONE)
    page.set_default_navigation_timeout(60_000)
    login(page, live_server, convenor, totp_secret=totp_secret(convenor))

    page.goto(reverse("meetings:decide", args=[forum.slug, meeting.pk]))
    section = page.locator("section.decision").first
    section.get_by_label("Resolve locally").check()
    section.get_by_label("Who does what").fill("Sam talks to the team manager")
    section.get_by_role("button", name=re.compile("Record the decision")).click()
    expect(page.get_by_role("status")).to_contain_text("recorded")
    page.reload()
    send_again_after_back(page, "Record the decision")
    assert Decision.objects.filter(meeting=meeting).count() == 1

    page.goto(reverse("forum_briefs:check", args=[forum.slug, brief.pk]))
    page.get_by_role("button", name="Send the brief").click()
    expect(page.get_by_text("Version 1 of")).to_be_visible()
    page.reload()
    send_again_after_back(page, "Send the brief")
    assert BriefVersion.objects.filter(brief=brief).count() == 1
    assert_accessible(page)
