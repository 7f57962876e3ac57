"""On a phone the header's links fold behind a Menu button; on a wide screen, and without
JavaScript, they are simply shown."""

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, PHONE, assert_accessible, login


def signed_in(new_page, live_server, member, forum, viewport, **options):
    page = new_page(viewport, **options)
    page.set_default_navigation_timeout(60_000)  # a busy machine's first page can be slow
    login(page, live_server, member)
    page.goto(f"/f/{forum.slug}/")
    return page


def test_the_phone_header_opens_and_closes_behind_a_menu_button(
    new_page, live_server, member, forum
):
    page = signed_in(new_page, live_server, member, forum, PHONE)
    menu = page.get_by_role("button", name="Menu")
    issues = page.get_by_role("navigation", name="Main").get_by_role("link", name="Issues")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(issues).to_be_hidden()
    page.screenshot(path=ARTIFACTS / "phone-menu-closed-375.png")
    assert_accessible(page)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(issues).to_be_visible()
    box = issues.bounding_box()
    assert box["height"] >= 24, "a menu link is too small to tap"
    page.screenshot(path=ARTIFACTS / "phone-menu-open-375.png")
    assert_accessible(page)

    issues.focus()
    page.keyboard.press("Escape")
    expect(issues).to_be_hidden()
    expect(menu).to_be_focused()


def test_a_wide_screen_shows_the_links_and_no_menu_button(new_page, live_server, member, forum):
    page = signed_in(new_page, live_server, member, forum, {"width": 1280, "height": 800})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Issues")).to_be_visible()


def test_without_javascript_a_phone_shows_the_links(new_page, live_server, member, forum):
    page = signed_in(new_page, live_server, member, forum, PHONE, java_script_enabled=False)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Issues")).to_be_visible()
