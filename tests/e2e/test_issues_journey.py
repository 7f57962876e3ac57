"""Raising, following, supporting and discussing issues on a phone, checked by axe-core."""

import re

import pytest
from playwright.sync_api import expect

from forum_app.models import Role
from issues import services
from issues.models import Comment, Issue, Support
from issues.services import forum_defaults_create
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_accessible, login
from tests.factories import ForumFactory, MembershipFactory


@pytest.fixture
def people():
    forum = ForumFactory(name="Children's Practitioner Forum", slug="childrens")
    forum_defaults_create(forum=forum)
    raiser = MembershipFactory(forum=forum, role=Role.MEMBER, user__display_name="Amira Hussain")
    colleague = MembershipFactory(forum=forum, role=Role.MEMBER, user__display_name="Ben Clarke")
    return forum, raiser.user, colleague.user


def fill_issue(page, title: str) -> None:
    page.get_by_label("Title:", exact=True).fill(title)
    page.get_by_label("What happens").fill("We hold 28 to 34 children each.\n\n- visits slip")
    page.get_by_label("Impact on people who use services and on staff").fill("Visits slip.")
    page.get_by_label("Proposed solution").fill("Publish a caseload cap.")
    page.get_by_label("Category").select_option(label="Caseloads and workload")
    page.get_by_label("Service area").select_option(label="Children and families")


def test_raise_named_and_anonymous_follow_support_and_discuss(new_page, live_server, people):
    forum, raiser, colleague = people
    base = f"{live_server.url}/f/{forum.slug}"
    phone = new_page(PHONE)
    login(phone, live_server, raiser)

    # A named issue, after forgetting to choose named or anonymous.
    phone.goto(f"{base}/")
    phone.get_by_role("link", name="Raise an issue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Raise an issue")
    assert_accessible(phone)
    fill_issue(phone, "Caseloads in the assessment team are over 30")
    phone.get_by_role("button", name="Raise the issue").click()
    expect(phone.locator(".error-summary")).to_contain_text(
        "Choose whether to raise this under your name or anonymously."
    )
    expect(phone.get_by_label("Title:", exact=True)).to_have_value(
        "Caseloads in the assessment team are over 30"
    )
    assert_accessible(phone)
    phone.screenshot(path=ARTIFACTS / "issues-raise-error-375.png", full_page=True)
    phone.get_by_label(re.compile(r"^Under my name")).check()
    phone.get_by_role("button", name="Raise the issue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Caseloads in the assessment team are over 30"
    )
    expect(phone.get_by_text("Amira Hussain ·")).to_be_visible()
    assert_accessible(phone)

    # An anonymous one: the receipt is shown, and the issue appears later (here, at once).
    phone.goto(f"{base}/issues/new/")
    fill_issue(phone, "Lone visits to a known risk address")
    phone.get_by_label("Category").select_option(label="Personal safety")
    phone.get_by_label("Anonymously", exact=True).check()
    phone.get_by_role("button", name="Raise the issue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Your issue has been sent anonymously"
    )
    expect(phone.get_by_text("It will appear within 30 minutes")).to_be_visible()
    assert_accessible(phone)
    phone.screenshot(path=ARTIFACTS / "issues-receipt-375.png", full_page=True)
    receipt = phone.get_by_role("button", name="Copy the code").get_attribute("data-copy")
    assert re.fullmatch(r"([A-Z2-7]{4}-){7}[A-Z2-7]{4}", receipt)
    phone.reload()  # refreshing shows the same code and raises nothing more
    assert phone.get_by_role("button", name="Copy the code").get_attribute("data-copy") == receipt
    assert not Issue.objects.filter(title="Lone visits to a known risk address").exists()
    services.anonymous_publish_due(everything=True)  # the sweeper, when its moment comes
    anonymous = Issue.objects.get(title="Lone visits to a known risk address")
    assert anonymous.author is None

    # A colleague finds both, supports them and comments (htmx, no reload).
    other = new_page(PHONE)
    login(other, live_server, colleague)
    other.goto(f"{base}/issues/")
    expect(other.get_by_role("heading", name="2 issues")).to_be_visible()
    assert_accessible(other)
    other.screenshot(path=ARTIFACTS / "issues-list-375.png", full_page=True)
    other.get_by_label("Search").fill("risk address")
    expect(other.get_by_role("heading", name="1 issue", exact=True)).to_be_visible()
    assert re.search(r"q=risk(\+|%20)address", other.url)
    other.get_by_role("link", name="Lone visits to a known risk address").click()
    expect(other.get_by_text("Raised anonymously ·")).to_be_visible()
    assert_accessible(other)
    other.get_by_role("button", name="Me too").click()
    expect(other.locator("#support-count")).to_have_text("1 person supports this")
    expect(other.get_by_role("status")).to_contain_text("You support this issue.")
    other.get_by_label("Your comment").fill("Same in our team. Which address?")
    other.get_by_label("This is a further solution").check()
    other.get_by_role("button", name="Post comment").click()
    new_comment = other.locator("#comments li").last
    expect(new_comment).to_contain_text("Same in our team. Which address?")
    expect(new_comment).to_be_focused()
    assert_accessible(other)
    other.screenshot(path=ARTIFACTS / "issues-detail-375.png", full_page=True)
    assert Support.objects.filter(issue=anonymous, user=colleague).count() == 1

    # Later, the raiser follows the anonymous issue with the receipt and adds an update.
    phone.goto(f"{base}/issues/")
    phone.get_by_role("link", name="Follow an anonymous issue").click()
    assert_accessible(phone)
    phone.get_by_label("Receipt code").fill(receipt.lower())
    phone.get_by_role("button", name="Open my issue").click()
    expect(phone.get_by_text("Same in our team. Which address?")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("Your update").fill("The flats on Mill Road, after dark.")
    phone.get_by_role("button", name="Send update").click()
    expect(phone.get_by_role("status")).to_contain_text("Your update was received.")
    assert_accessible(phone)
    services.anonymous_publish_due(everything=True)
    update = Comment.objects.get(from_raiser=True)
    assert update.author is None and update.issue == anonymous

    other.reload()
    expect(other.get_by_text("The person who raised this")).to_be_visible()
    assert_accessible(other)
