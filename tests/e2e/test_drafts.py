"""Nothing typed is lost when a session ends: the text waits in the tab, comes back after
signing in again, and is forgotten once the form is accepted. It never travels in a URL."""

import pytest
from playwright.sync_api import expect

from forum_app.models import Role
from issues.models import Comment, Issue
from issues.services import forum_defaults_create
from tests.e2e.conftest import PASSWORD, PHONE, assert_accessible, login
from tests.e2e.test_issues_journey import fill_issue
from tests.factories import IssueFactory, MembershipFactory

RESTORED = "What you typed before has been put back."


@pytest.fixture
def raiser(forum):
    forum_defaults_create(forum=forum)
    return MembershipFactory(forum=forum, role=Role.MEMBER).user


def sign_in_here(page, user, next_path: str) -> None:
    """Sign in on the sign-in page the refused form led to, and land back on its page."""
    assert page.url.endswith(f"/accounts/login/?next={next_path.replace('/', '%2F')}"), page.url
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    # Signing in and the form page behind it can take a busy machine longer than a click's wait.
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="Sign in").click(no_wait_after=True)


def end_session(page) -> None:
    """As an expired session looks to the server: the session cookie is gone."""
    context = page.context
    kept = [c for c in context.cookies() if c["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(kept)


def test_an_anonymous_raise_typed_while_the_session_ended_comes_back_after_sign_in(
    new_page, live_server, raiser
):
    page = new_page(PHONE)
    page.set_default_navigation_timeout(60_000)  # a busy machine's first page can be slow
    login(page, live_server, raiser)
    page.goto("/f/childrens/issues/new/")
    fill_issue(page, "Lone visits to a known risk address")
    page.get_by_label("Anonymously", exact=True).check()
    end_session(page)
    page.get_by_role("button", name="Raise the issue").click()

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in_here(page, raiser, "/f/childrens/issues/new/")
    expect(page).to_have_url(f"{live_server.url}/f/childrens/issues/new/")
    expect(page.get_by_label("Title:", exact=True)).to_have_value(
        "Lone visits to a known risk address"
    )
    expect(page.get_by_label("Proposed solution")).to_have_value("Publish a caseload cap.")
    expect(page.get_by_label("Anonymously", exact=True)).to_be_checked()
    # The page's own message comes back a moment after load; the draft's stays beside it.
    expect(page.locator("#messages")).to_contain_text("Successfully signed in")
    expect(page.locator("#messages")).to_contain_text(RESTORED)
    assert_accessible(page)
    assert not Issue.objects.exists()

    page.get_by_role("button", name="Raise the issue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your issue has been sent anonymously"
    )
    # Accepted: the draft is forgotten, and the form opens empty.
    # (the page's scripts run just after its heading shows, so wait for them)
    kept = "Object.keys(sessionStorage).filter(k => k.startsWith('draft:'))"
    for _ in range(100):
        if page.evaluate(kept) == []:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(kept) == []
    page.goto("/f/childrens/issues/new/")
    expect(page.get_by_label("Title:", exact=True)).to_have_value("")


def test_a_comment_sent_by_htmx_after_the_session_ended_comes_back(new_page, live_server, raiser):
    issue = IssueFactory(forum=raiser.memberships.first().forum, title="Pool cars")
    page = new_page(PHONE)
    page.set_default_navigation_timeout(60_000)  # a busy machine's first page can be slow
    login(page, live_server, raiser)
    page.goto(issue.get_absolute_url())
    page.get_by_label("Your comment").fill("Same in our team: three cars for forty staff.")
    end_session(page)
    page.get_by_role("button", name="Post comment").click()

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in_here(page, raiser, issue.get_absolute_url())
    expect(page.get_by_label("Your comment")).to_have_value(
        "Same in our team: three cars for forty staff."
    )
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#messages")).to_contain_text("Your comment has been posted.")
    assert Comment.objects.filter(issue=issue).count() == 1
    page.reload()
    expect(page.get_by_label("Your comment")).to_have_value("")
