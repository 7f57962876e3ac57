"""A quiet session warns two minutes before it ends and lets the person stay signed in.

While the warning shows, focus stays in it (Tab and Shift+Tab never reach the page behind),
Escape counts as staying, and at 400% zoom with the WCAG text-spacing override its heading
and its focused button stay on screen.
"""

from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from forum_app.middleware import SEEN_COOKIE
from tests.e2e.conftest import ARTIFACTS, apply_text_spacing, assert_accessible, login

# A 1280 x 900 window zoomed to 400%.
ZOOMED_400 = {"width": 320, "height": 225}


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

    warning = page.get_by_role("alertdialog", name="Are you still there?")
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

    expect(page.get_by_role("alertdialog", name="Are you still there?")).to_be_hidden()
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


def focus_is_in_the_warning(page) -> bool:
    return page.evaluate(
        "document.getElementById('session-warning').contains(document.activeElement)"
    )


def test_focus_stays_in_the_warning_and_escape_counts_as_staying(
    page, live_server, forum, member, settings
):
    shorten_sessions(settings)
    login(page, live_server, member, next_url=f"/f/{forum.slug}/")
    page.get_by_role("link", name="Raise an issue").first.focus()
    before = seen_cookie(page)
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=15_000)

    for key in ["Tab"] * 6 + ["Shift+Tab"] * 6:
        page.keyboard.press(key)
        assert focus_is_in_the_warning(page), f"{key} left the warning for the page behind"
    for control in page.locator("header a, main a, main button, footer a").all():
        control.focus()  # as a click or a screen reader's own cursor would try
        assert focus_is_in_the_warning(page), "a control behind the warning took focus"

    page.keyboard.press("Escape")

    expect(warning).to_be_hidden()
    expect(page.get_by_role("link", name="Raise an issue").first).to_be_focused()
    page.wait_for_function(f"() => !document.cookie.includes({before!r})")
    assert seen_cookie(page) != before


def test_once_signed_out_escape_closes_the_warning_so_what_was_typed_can_be_copied(
    page, live_server, forum, member, settings
):
    shorten_sessions(settings)
    login(page, live_server, member, next_url=f"/f/{forum.slug}/issues/new/")
    page.get_by_label("Title").fill("Caseloads are too high")
    page.get_by_label("Title").blur()
    expect(page.get_by_role("button", name="Stay signed in")).to_be_visible(timeout=15_000)
    Session.objects.all().delete()
    page.get_by_role("button", name="Stay signed in").click()
    expect(page.get_by_role("alert")).to_contain_text("You have been signed out")

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Close this message")).to_be_focused()
    page.keyboard.press("Escape")

    expect(page.get_by_role("alertdialog")).to_be_hidden()
    page.get_by_label("Title").focus()
    expect(page.get_by_label("Title")).to_be_focused()


def test_at_400_percent_zoom_with_text_spacing_the_warning_stays_on_screen(
    new_page, live_server, forum, member, settings
):
    shorten_sessions(settings)
    page = new_page(ZOOMED_400)
    login(page, live_server, member, next_url=f"/f/{forum.slug}/")
    apply_text_spacing(page)
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=15_000)

    heading = page.get_by_role("heading", name="Are you still there?")
    box = heading.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= ZOOMED_400["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= ZOOMED_400["width"], box
    page.screenshot(path=ARTIFACTS / "session-warning-400-percent.png")
    for key in ["Tab", "Tab", "Shift+Tab"]:
        page.keyboard.press(key)
        assert focus_is_in_the_warning(page)
        assert_focus_fully_shown(page)


def assert_focus_fully_shown(page) -> None:
    """The focused control lies inside the window and nothing covers it (WCAG 2.4.11)."""
    hidden = page.evaluate(
        """() => {
          const el = document.activeElement;
          const r = el.getBoundingClientRect();
          if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
            return "outside the window: " + JSON.stringify(r);
          }
          // Points a little inside each corner (rounded corners are not the control's own)
          // and the centre.
          const dx = Math.min(8, r.width / 4), dy = Math.min(8, r.height / 4);
          for (const [x, y] of [[r.left + dx, r.top + dy], [r.right - dx, r.top + dy],
                                [r.left + dx, r.bottom - dy], [r.right - dx, r.bottom - dy],
                                [(r.left + r.right) / 2, (r.top + r.bottom) / 2]]) {
            const top = document.elementFromPoint(x, y);
            if (top && top !== el && !el.contains(top)) {
              return "covered by " + top.outerHTML.slice(0, 80);
            }
          }
          return "";
        }"""
    )
    assert not hidden, f"the focused control is not fully shown: {hidden}"
