"""Account pages, empty and with errors, pass axe-core at phone width and say what went wrong."""

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, PHONE, assert_accessible, login
from tests.factories import PASSWORD, ForumFactory, MembershipFactory, UserFactory, with_totp


def test_public_pages_pass_axe_at_phone_width(phone_page, live_server, db):
    ForumFactory()
    for path in [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accessibility/",
    ]:
        phone_page.goto(f"{live_server.url}{path}")
        assert_accessible(phone_page)


def test_sign_in_errors_sit_by_their_fields(phone_page, live_server, db):
    phone_page.goto(f"{live_server.url}/accounts/login/")
    phone_page.get_by_role("button", name="Sign in").click()

    email = phone_page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("This field is required.")
    assert_accessible(phone_page)
    phone_page.screenshot(path=ARTIFACTS / "login-errors-375.png", full_page=True)


def test_sign_up_refusal_keeps_what_was_typed(phone_page, live_server, settings, db):
    settings.ALLOWED_SIGNUP_DOMAINS = ["council.example"]
    ForumFactory()
    phone_page.goto(f"{live_server.url}/accounts/signup/")
    phone_page.get_by_label("Your name").fill("Priya Shah")
    phone_page.get_by_label("Work email address").fill("priya@gmail.example")
    phone_page.get_by_role("button", name="Create account").click()

    email = phone_page.get_by_label("Work email address")
    expect(email).to_have_value("priya@gmail.example")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        "The address your employer gave you. We send a link to it to check it is yours. "
        "Sign-up is open to work email addresses only. Use your work address, "
        "or ask your forum's convenor for an invitation."
    )
    expect(phone_page.get_by_label("Your name")).to_have_value("Priya Shah")
    assert_accessible(phone_page)
    phone_page.screenshot(path=ARTIFACTS / "signup-errors-375.png", full_page=True)


def test_a_wrong_two_factor_code_is_explained(phone_page, live_server, db):
    user = UserFactory()
    with_totp(user)
    phone_page.goto(f"{live_server.url}/accounts/login/")
    phone_page.get_by_label("Email").fill(user.email)
    phone_page.get_by_label("Password", exact=True).fill(PASSWORD)
    phone_page.get_by_role("button", name="Sign in").click()
    phone_page.get_by_label("Code").fill("000000")
    phone_page.get_by_role("button", name="Sign in").click()

    expect(phone_page.get_by_label("Code")).to_have_accessible_description(
        "That code is not right. Codes change every 30 seconds: type the one your app "
        "shows now, or one of your recovery codes."
    )
    assert_accessible(phone_page)
    phone_page.screenshot(path=ARTIFACTS / "two-factor-error-375.png", full_page=True)


def test_a_convenor_is_walked_through_setting_up_two_factor(phone_page, live_server, db):
    forum = ForumFactory()
    convenor = MembershipFactory(forum=forum, role="convenor").user
    login(phone_page, live_server, convenor)

    phone_page.goto(f"{live_server.url}/f/{forum.slug}/members/")
    expect(phone_page.get_by_role("status")).to_contain_text("Your role needs two-factor")
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    assert_accessible(phone_page)
    phone_page.get_by_label("Password").fill(PASSWORD)
    phone_page.get_by_role("button", name="Continue").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    assert_accessible(phone_page)
    phone_page.get_by_role("button", name="Switch on two-factor authentication").click()
    expect(phone_page.get_by_label("Authenticator code")).to_have_attribute("aria-invalid", "true")
    assert_accessible(phone_page)
    phone_page.screenshot(path=ARTIFACTS / "totp-activate-375.png", full_page=True)


def test_the_members_page_passes_axe_at_phone_width(new_page, live_server, db):
    forum = ForumFactory()
    convenor = MembershipFactory(forum=forum, role="convenor").user
    secret = with_totp(convenor)
    MembershipFactory(forum=forum, status="pending")
    page = new_page(PHONE)
    login(page, live_server, convenor, totp_secret=secret)
    page.goto(f"{live_server.url}/f/{forum.slug}/members/")
    assert_accessible(page)
    page.screenshot(path=ARTIFACTS / "members-375.png", full_page=True)
