"""Accounts: sign-up, sign-in, two-factor, password reset, email change and their limits."""

import re
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit as ratelimit_internals
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
)
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from forum_app.models import Membership, User
from forum_app.permissions import needs_mfa
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory, UserFactory, with_totp

NEW_PASSWORD = "kettle-orbit-lantern-93"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_mail(settings):
    settings.ALLOWED_SIGNUP_DOMAINS = ["council.example"]
    cache.clear()
    mail.outbox.clear()


def current_code(secret: str) -> str:
    return code_at(secret, time.time())


def code_at(secret: str, moment: float) -> str:
    """The code an authenticator app shows at ``moment`` (seconds since the epoch)."""
    return format_hotp_value(hotp_value(secret, int(moment) // 30))


def sign_up(client: Client, email: str, **extra) -> object:
    data = {
        "display_name": "Priya Shah",
        "email": email,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **extra,
    }
    return client.post(reverse("account_signup"), data)


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def path_in(message, contains: str) -> str:
    """The path of the first link in the email whose address contains ``contains``."""
    link = next(u for u in re.findall(r"https?://\S+", message.body) if contains in u)
    return urlsplit(link).path


def signed_in_as(client: Client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value else None


# Sign-up and email verification


def test_sign_up_asks_to_join_the_chosen_forum_and_waits_for_email_verification(db, forum):
    response = sign_up(Client(), "Priya.Shah@council.example", forum=forum.pk)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="priya.shah@council.example")
    assert user.display_name == "Priya Shah"
    assert not EmailAddress.objects.get(user=user).verified
    membership = Membership.objects.get(user=user, forum=forum)
    assert membership.status == Membership.Status.PENDING
    assert [m.to for m in mail.outbox] == [["priya.shah@council.example"]]


def test_an_unverified_address_cannot_sign_in_until_the_link_is_opened(db, forum):
    client = Client()
    sign_up(client, "priya.shah@council.example")
    client.logout()

    response = sign_in(client, "priya.shah@council.example", NEW_PASSWORD)
    assert signed_in_as(client) is None
    assert response["Location"] == reverse("account_email_verification_sent")

    client.post(path_in(mail.outbox[-1], "/accounts/confirm-email/"))
    assert EmailAddress.objects.get(email="priya.shah@council.example").verified
    sign_in(client, "priya.shah@council.example", NEW_PASSWORD)
    assert signed_in_as(client) == User.objects.get(email="priya.shah@council.example").pk


def test_sign_up_from_a_domain_not_allowed_is_refused_and_keeps_what_was_typed(db, forum):
    response = sign_up(Client(), "priya@gmail.example", forum=forum.pk)

    assert response.status_code == 200
    assert "Sign-up is open to work email addresses only" in response.text
    assert 'value="Priya Shah"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert not User.objects.filter(email="priya@gmail.example").exists()
    assert not Membership.objects.filter(forum=forum).exists()
    assert mail.outbox == []


def test_sign_up_with_an_existing_address_answers_like_a_new_one(db, forum):
    existing = UserFactory(email="taken@council.example")

    new = sign_up(Client(), "fresh@council.example")
    again = sign_up(Client(), "taken@council.example")

    assert (again.status_code, again["Location"]) == (new.status_code, new["Location"])
    assert User.objects.filter(email="taken@council.example").count() == 1
    assert not existing.memberships.exists()
    warning = [m for m in mail.outbox if m.to == ["taken@council.example"]]
    assert len(warning) == 1
    assert "already have an account" in warning[0].subject


# Signing in and out


def test_sign_in_rotates_the_session_key(db):
    user = UserFactory()
    client = Client()
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key

    sign_in(client, user.email)

    assert signed_in_as(client) == user.pk
    assert client.cookies["sessionid"].value != before
    assert not SessionStore().exists(before)


def test_a_wrong_password_says_so_without_saying_which_part(db):
    user = UserFactory()
    response = sign_in(Client(), user.email, "not-the-password")
    assert response.status_code == 200
    assert "The email address or password is not right" in response.text


def test_the_sixth_wrong_password_in_a_row_is_refused_even_if_right(db):
    user = UserFactory()
    client = Client()
    for _attempt in range(5):
        response = sign_in(client, user.email, "not-the-password")
        assert "Too many failed attempts" not in response.text

    response = sign_in(client, user.email, "still-not-it")
    assert "Too many failed attempts to sign in. Wait a few minutes" in response.text
    response = sign_in(client, user.email, PASSWORD)
    assert "Too many failed attempts" in response.text
    assert signed_in_as(client) is None


class Clock:
    """allauth's limits read the time through this: a test moves it forward."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def test_200_wrong_passwords_from_one_address_do_not_stop_a_colleague_there(db):
    """Everyone's requests come from the council's one address (the test client's)."""
    target = UserFactory()
    guesser = Client()
    for guess in range(100):
        sign_in(guesser, target.email, f"guess-{guess}")
    for guess in range(100):
        sign_in(guesser, f"nobody{guess}@council.example", "guess")
    assert "Too many failed attempts" in sign_in(guesser, target.email).text

    colleague = UserFactory()
    client = Client()
    sign_in(client, colleague.email)
    assert signed_in_as(client) == colleague.pk


def test_an_account_under_attack_waits_longer_after_each_round_of_failures(db, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ratelimit_internals, "time", clock)
    user = UserFactory()
    client = Client()

    def refused() -> bool:
        return "Too many failed attempts" in sign_in(client, user.email, "wrong").text

    def fail(times: int) -> None:
        for _ in range(times):
            assert not refused()

    fail(5)
    assert refused()
    clock.now += 61  # after 5 failures a minute is enough
    fail(5)
    assert refused()
    clock.now += 61  # after 10 in a quarter of an hour a minute is not enough
    assert refused()
    clock.now += 15 * 60  # a quarter of an hour is
    fail(5)
    clock.now += 61
    fail(5)
    assert refused()
    clock.now += 15 * 60  # after 20 in an hour a quarter of an hour is not enough
    assert refused()
    clock.now += 45 * 60  # the hour is
    sign_in(client, user.email)
    assert signed_in_as(client) == user.pk


def test_sign_out_ends_the_session(db):
    user = UserFactory()
    client = client_for(user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert signed_in_as(client) is None


# Two-factor authentication


def test_a_person_with_two_factor_needs_the_code_after_the_password(db):
    user = UserFactory()
    secret = with_totp(user)
    client = Client()

    response = sign_in(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None

    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert signed_in_as(client) == user.pk


def test_a_wrong_two_factor_code_is_refused_clearly(db):
    user = UserFactory()
    secret = with_totp(user)
    now = time.time()
    near = {code_at(secret, now + 30 * step) for step in (-2, -1, 0, 1, 2)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)
    client = Client()
    sign_in(client, user.email)

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert "That code is not right." in response.text
    assert 'aria-invalid="true"' in response.text
    assert signed_in_as(client) is None


def test_a_code_read_just_before_the_30_second_step_turns_still_signs_in(db):
    """The code on the phone changes every 30 seconds; typing it takes a moment."""
    user = UserFactory()
    secret = with_totp(user)
    client = Client()
    sign_in(client, user.email)
    step_start = (int(time.time()) // 30 + 1) * 30
    read_at, checked_at = step_start - 0.5, step_start + 2

    with mock.patch("allauth.mfa.totp.internal.auth.time.time", return_value=checked_at):
        client.post(reverse("mfa_authenticate"), {"code": code_at(secret, read_at)})

    assert signed_in_as(client) == user.pk


def test_a_code_two_steps_old_is_refused(db):
    user = UserFactory()
    secret = with_totp(user)
    client = Client()
    sign_in(client, user.email)
    now = time.time()

    with mock.patch("allauth.mfa.totp.internal.auth.time.time", return_value=now):
        client.post(reverse("mfa_authenticate"), {"code": code_at(secret, now - 60)})

    assert signed_in_as(client) is None


def test_any_member_may_switch_on_two_factor(db, member):
    response = client_for(member).get(reverse("mfa_index"))
    assert response.status_code == 200
    assert reverse("mfa_activate_totp") in response.text


def test_a_convenor_without_two_factor_is_sent_to_set_it_up(db, forum):
    convenor = MembershipFactory(forum=forum, role="convenor").user
    client = client_for(convenor)

    response = client.get(reverse("forum_members", args=[forum.slug]), follow=False)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert f"next=/f/{forum.slug}/members/" in response["Location"]
    shown = client.get(response["Location"], follow=True)
    assert "Your role needs two-factor authentication" in shown.text


@pytest.mark.parametrize("role", ["steward", "leader"])
def test_every_privileged_role_needs_two_factor(db, forum, role):
    person = MembershipFactory(forum=forum, role=role).user
    assert needs_mfa(person, role)
    with_totp(person)
    assert not needs_mfa(person, role)


def test_a_leader_without_two_factor_is_sent_to_set_it_up_before_their_briefs(db, forum):
    leader = MembershipFactory(forum=forum, role="leader").user
    response = client_for(leader).get(reverse("escalations:briefs_for_me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_convenor_with_two_factor_reaches_the_members_page(convenor, forum):
    response = client_for(convenor).get(reverse("forum_members", args=[forum.slug]))
    assert response.status_code == 200


def test_the_admin_sign_in_goes_through_the_forum_sign_in(db):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_site_admin_without_two_factor_is_sent_to_set_it_up(db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = client_for(admin).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_site_admin_with_two_factor_reaches_the_admin(db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    with_totp(admin)
    assert client_for(admin).get("/admin/").status_code == 200


# Password reset and email change


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(db):
    UserFactory(email="known@council.example")
    known = Client().post(reverse("account_reset_password"), {"email": "known@council.example"})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@council.example"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    reset = next(m for m in mail.outbox if m.to == ["known@council.example"])
    assert "/accounts/password/reset/key/" in reset.body
    stranger = next(m for m in mail.outbox if m.to == ["nobody@council.example"])
    assert "/accounts/password/reset/key/" not in stranger.body


def test_password_reset_link_sets_a_new_password(db):
    user = UserFactory(email="known@council.example")
    client = Client()
    client.post(reverse("account_reset_password"), {"email": user.email})
    path = path_in(mail.outbox[-1], "/accounts/password/reset/key/")

    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_changing_email_takes_effect_only_once_the_new_address_is_confirmed(db):
    user = UserFactory(email="old@council.example")
    client = client_for(user)

    client.post(reverse("account_email"), {"action_add": "", "email": "new@council.example"})

    user.refresh_from_db()
    assert user.email == "old@council.example"
    message = next(m for m in mail.outbox if m.to == ["new@council.example"])
    client.post(path_in(message, "/accounts/confirm-email/"))
    user.refresh_from_db()
    assert user.email == "new@council.example"


# Optional single sign-on


def test_the_sign_in_page_offers_single_sign_on_only_when_configured(db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "Sign in with" not in Client().get(LOGIN).text

    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "entra",
                    "name": "Council Microsoft account",
                    "client_id": "client-id",
                    "secret": "client-secret",
                    "settings": {"server_url": "https://login.example/tenant/v2.0"},
                }
            ]
        }
    }
    page = Client().get(LOGIN).text
    assert "Sign in with Council Microsoft account" in page
    assert "/accounts/oidc/entra/login/" in page
