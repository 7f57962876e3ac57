"""A quiet session warns two minutes before it ends and lets the person stay signed in."""

from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from forum_app.middleware import SEEN_COOKIE
from tests.e2e.conftest import assert_accessible, login


def seen_cookie(page) -> str:
    """The browser's signed note of when it was last active (the idle timer)."""
    return next(c["value"] for c in page.context.cookies() if c["name"] == SEEN_COOKIE)


def shorten_sessions(settings, idle_seconds: int = 124) -> None:
    """Sessions that end ``idle_seconds`` after the last activity: the warning is due in ~4 s."""
    settings.SESSION_IDLE_SECONDS = idle_seconds
    settings.SESSION_WARNING_SECONDS = 120


def test_the_warning_appears_and_stay_signed_in_extends_the_session(
    page, live_server, forum, member, settings
):
    shorten_sessions(settings)
    login(page, live_server, member, next_url=f"/f/{forum.slug}/")
    before = seen_cookie(page)

    warning = page.get_by_role("region", name="Are you still there?")
    expect(warning).to_be_visible(timeout=15_000)
    expect(page.get_by_role("alert")).to_contain_text("you will be signed out in 2 minutes")
    stay = page.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    assert_accessible(page)
    page.screenshot(path="test-artifacts/session-warning.png")

    page.keyboard.press("Enter")

    expect(warning).to_be_hidden()
    assert seen_cookie(page) != before


def test_typing_counts_as_activity_and_the_session_is_extended_quietly(
    page, live_server, forum, member, settings
):
    shorten_sessions(settings)
    login(page, live_server, member, next_url=f"/f/{forum.slug}/issues/new/")
    before = seen_cookie(page)

    page.get_by_label("Title").press_sequentially("Caseloads are too high")
    with page.expect_response("**/session/extend/", timeout=15_000) as extended:
        pass
    assert extended.value.ok

    expect(page.get_by_role("region", name="Are you still there?")).to_be_hidden()
    assert seen_cookie(page) != before
    expect(page.get_by_label("Title")).to_have_value("Caseloads are too high")


def test_when_the_session_has_ended_the_page_says_so_and_keeps_what_was_typed(
    page, live_server, forum, member, settings
):
    shorten_sessions(settings)
    login(page, live_server, member, next_url=f"/f/{forum.slug}/issues/new/")
    page.get_by_label("Title").fill("Caseloads are too high")
    page.get_by_label("Title").blur()
    expect(page.get_by_role("button", name="Stay signed in")).to_be_visible(timeout=15_000)
    Session.objects.all().delete()  # as the server does when the idle time has run out

    page.get_by_role("button", name="Stay signed in").click()

    expect(page.get_by_role("alert")).to_contain_text("You have been signed out")
    expect(page.get_by_role("link", name="Sign in again (opens a new tab)")).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value("Caseloads are too high")
    assert_accessible(page)
