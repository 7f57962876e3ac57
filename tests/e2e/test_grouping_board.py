"""Grouping thirty issues at 375 px, by touch-sized taps and by keyboard alone: each move
redraws only the columns it changed, with no page load, and axe finds nothing after any of it.
An issue dragged by its handle (Pointer Events: mouse, pen and touch) moves the same way."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from issues.models import Issue
from meetings import services
from meetings.models import Phase, ThemeIssue
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_accessible, login
from tests.factories import IssueFactory, MeetingFactory
from tests.meetings.conftest import advance_to
from tests.world import totp_secret

DESKTOP_WIDE = {"width": 1280, "height": 900}
THEMES = ("Caseloads and the allocation of work in assessment teams", "IT equipment", "Travel")


@pytest.fixture
def board(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    themes = [services.theme_create(meeting=meeting, actor=convenor, name=n) for n in THEMES]
    for n in range(30):
        IssueFactory(forum=forum, title=f"Problem {n + 1:02d} that keeps coming back")
    return meeting, themes


def open_board(page, live_server, forum, convenor, meeting):
    page.set_default_navigation_timeout(60_000)  # a busy machine's first page can be slow
    login(page, live_server, convenor, totp_secret=totp_secret(convenor))
    page.goto(reverse("meetings:group", args=[forum.slug, meeting.pk]))
    # A full page load would drop this mark: moves must not load the page.
    page.evaluate("window.__sameDocument = true")


def assert_not_reloaded(page):
    assert page.evaluate("window.__sameDocument === true"), "the page was loaded again"


def test_grouping_thirty_issues_by_touch_at_375_px(new_page, live_server, forum, convenor, board):
    meeting, themes = board
    page = new_page(PHONE, has_touch=True, is_mobile=True)
    open_board(page, live_server, forum, convenor, meeting)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=ARTIFACTS / "grouping-board-375.png", full_page=True)
    assert_accessible(page)

    issues = list(Issue.objects.filter(forum=forum).order_by("title"))
    for batch, theme in zip(range(3), themes, strict=True):
        chosen = issues[batch * 10 : batch * 10 + 10]
        for issue in chosen:
            label = page.locator(f"label[for=pick-{issue.pk}]")
            box = label.bounding_box()
            assert box["height"] >= 24, "a tick box's label is too small to tap"
            label.tap()
            expect(page.locator(f"#pick-{issue.pk}")).to_be_checked()
        page.get_by_label("Move the ticked issues to").select_option(str(theme.pk))
        page.get_by_role("button", name="Move the ticked issues").tap()
        expect(page.get_by_role("status")).to_have_text(
            f"10 issues moved to “{theme.name}”.", timeout=15_000
        )
        column = page.locator(f"#theme-{theme.pk}")
        expect(column.locator(".issue-chip")).to_have_count(10)
        expect(column).to_be_focused()
        assert_not_reloaded(page)
    expect(page.locator("#ungrouped .issue-chip")).to_have_count(0)
    assert ThemeIssue.objects.filter(theme__in=themes).count() == 30
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=ARTIFACTS / "grouping-board-375-grouped.png", full_page=True)
    assert_accessible(page)


def test_grouping_thirty_issues_by_keyboard_at_375_px(
    new_page, live_server, forum, convenor, board
):
    meeting, themes = board
    page = new_page(PHONE)
    open_board(page, live_server, forum, convenor, meeting)
    issues = list(Issue.objects.filter(forum=forum).order_by("title"))
    for n, issue in enumerate(issues):
        theme = themes[n % 3]
        select = page.get_by_label(f"Move “{issue.title}” to")
        select.focus()
        page.keyboard.type(theme.name[:12])
        expect(select.locator("option:checked")).to_contain_text(theme.name[:12])
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name=f"Move “{issue.title}”")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text(
            f"“{issue.title}” moved to “{theme.name}”.", timeout=15_000
        )
        # Focus follows the issue to its new column, on its own "Move to" list.
        moved = page.locator(f"#theme-{theme.pk}").get_by_label(f"Move “{issue.title}” to")
        expect(moved).to_be_focused()
    assert_not_reloaded(page)
    assert ThemeIssue.objects.filter(theme__in=themes).count() == 30
    assert_accessible(page)


def test_an_issue_dragged_by_its_handle_moves_in_place(
    new_page, live_server, forum, convenor, board
):
    meeting, themes = board
    page = new_page(DESKTOP_WIDE)
    open_board(page, live_server, forum, convenor, meeting)
    page.screenshot(path=ARTIFACTS / "grouping-board-1280.png", full_page=True)
    issue = Issue.objects.filter(forum=forum).order_by("title").first()
    grip = page.locator(f"#issue-{issue.pk} .grip")
    target = page.locator(f"#theme-{themes[1].pk} h3")
    start, end = grip.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(start["x"] + 40, start["y"] + 40, steps=5)
    page.mouse.move(end["x"] + 10, end["y"] + 5, steps=10)
    expect(page.locator(f"#theme-{themes[1].pk}")).to_have_class("column drop-zone drop-over")
    page.mouse.up()
    expect(page.get_by_role("status")).to_have_text(f"“{issue.title}” moved to “IT equipment”.")
    expect(page.locator(f"#theme-{themes[1].pk} #issue-{issue.pk}")).to_be_visible()
    assert_not_reloaded(page)
    assert ThemeIssue.objects.get(issue=issue).theme == themes[1]
    assert_accessible(page)


def test_a_repeated_theme_name_is_refused_next_to_the_field(
    new_page, live_server, forum, convenor, board
):
    meeting, _themes = board
    page = new_page(PHONE)
    open_board(page, live_server, forum, convenor, meeting)
    page.get_by_label("Theme name").fill("it EQUIPMENT")
    page.get_by_role("button", name="Create theme").click()
    field = page.get_by_label("Theme name")
    expect(field).to_be_focused()
    expect(field).to_have_value("it EQUIPMENT")
    expect(page.locator("#new-theme")).to_contain_text(
        "There is already a theme called “IT equipment”."
    )
    assert_accessible(page)
