"""From sign-up to the forum's home page, in a real browser, checked by axe-core on every page."""

import re

import pytest
from playwright.sync_api import expect

from forum_app.models import Membership
from tests.e2e.conftest import (
    ARTIFACTS,
    PHONE,
    assert_accessible,
    latest_email,
    link_in,
    login,
)
from tests.factories import ForumFactory, MembershipFactory, with_totp

NEW_PASSWORD = "kettle-orbit-lantern-93"


@pytest.fixture
def open_forum(settings):
    settings.ALLOWED_SIGNUP_DOMAINS = ["council.example"]
    forum = ForumFactory(name="Children's Practitioner Forum", slug="childrens")
    ForumFactory(name="Adults' Practitioner Forum", slug="adults")
    convenor = MembershipFactory(forum=forum, role="convenor").user
    return forum, convenor, with_totp(convenor)


def test_sign_up_verify_approve_and_reach_the_forum(new_page, live_server, open_forum, outbox):
    forum, convenor, convenor_secret = open_forum
    newcomer = new_page(PHONE)

    newcomer.goto(f"{live_server.url}/accounts/signup/")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(newcomer)
    newcomer.get_by_label("Your name").fill("Priya Shah")
    newcomer.get_by_label("Work email address").fill("priya.shah@council.example")
    newcomer.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("Password (again)").fill(NEW_PASSWORD)
    newcomer.get_by_label("Forum you want to join").select_option(label=forum.name)
    newcomer.get_by_role("button", name="Create account").click()

    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(newcomer)
    newcomer.screenshot(path=ARTIFACTS / "journey-verification-sent-375.png", full_page=True)

    message = latest_email("priya.shah@council.example")
    newcomer.goto(link_in(message, "/accounts/confirm-email/"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    assert_accessible(newcomer)
    newcomer.get_by_role("button", name="Confirm").click()
    expect(newcomer).to_have_url(re.compile(r"/accounts/login/"))
    assert_accessible(newcomer)

    login(newcomer, live_server, "priya.shah@council.example", NEW_PASSWORD)
    expect(newcomer.get_by_text("Waiting for approval")).to_be_visible()
    assert_accessible(newcomer)

    convenor_page = new_page()
    convenor_page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(convenor_page)
    convenor_page.get_by_label("Email").fill(convenor.email)
    convenor_page.get_by_label("Password", exact=True).fill("correct-horse-battery-staple")
    convenor_page.get_by_role("button", name="Sign in").click()
    expect(convenor_page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_accessible(convenor_page)
    convenor_page.get_by_role("button", name="Sign in").click()  # no code yet: an error
    expect(convenor_page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    assert_accessible(convenor_page)
    convenor_page.context.clear_cookies()
    login(convenor_page, live_server, convenor, totp_secret=convenor_secret)

    convenor_page.goto(f"{live_server.url}/f/{forum.slug}/members/")
    assert_accessible(convenor_page)
    convenor_page.get_by_role("button", name="Approve Priya Shah").click()
    expect(convenor_page.get_by_role("status")).to_contain_text("Priya Shah is now a member.")
    assert_accessible(convenor_page)
    assert Membership.objects.get(forum=forum, user__email="priya.shah@council.example").is_active
    assert forum.name in latest_email("priya.shah@council.example").subject

    newcomer.reload()
    newcomer.get_by_role("link", name=forum.name).click()
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text(forum.name)
    assert_accessible(newcomer)
