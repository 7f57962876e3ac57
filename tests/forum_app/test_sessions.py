"""Sessions end after 30 minutes idle or 12 hours however busy (with a warning and a way to
stay signed in), and at once when an account is switched off."""

import hashlib
import time

import pytest
from django.contrib.admin.sites import site
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum_app.admin import UserAdmin
from forum_app.middleware import SEEN_COOKIE, SEEN_SALT, SESSION_STARTED_KEY
from forum_app.models import User
from forum_app.services import user_deactivate
from tests.conftest import client_for


def forum_page(forum) -> str:
    return f"/f/{forum.slug}/"


def age_session(client, seconds: int) -> None:
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - seconds
    session.save()


def last_seen(client, seconds_ago: int) -> None:
    """Make the browser's seen-cookie say it was last active ``seconds_ago``."""
    tag = hashlib.sha256(client.session.session_key.encode()).hexdigest()[:16]
    value = {"s": tag, "t": int(time.time()) - seconds_ago}
    client.cookies[SEEN_COOKIE] = signing.dumps(value, salt=SEEN_SALT)


def test_a_busy_session_ends_after_the_maximum_age(forum, member, settings):
    client = client_for(member)
    assert client.get(forum_page(forum)).status_code == 200

    age_session(client, settings.SESSION_MAX_AGE_SECONDS + 60)
    response = client.get(forum_page(forum))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert client.get(forum_page(forum)).status_code == 302


def test_a_session_younger_than_the_maximum_carries_on(forum, member, settings):
    client = client_for(member)
    client.get(forum_page(forum))
    age_session(client, settings.SESSION_MAX_AGE_SECONDS - 60)

    assert client.get(forum_page(forum)).status_code == 200


def test_the_maximum_is_twelve_hours_and_idle_is_thirty_minutes(settings):
    assert settings.SESSION_MAX_AGE_SECONDS == 12 * 60 * 60
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_AGE_SECONDS


def session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
    ]


def test_activity_never_writes_the_session_and_slides_the_idle_timeout_in_the_browser(
    forum, member
):
    client = client_for(member)
    client.get(forum_page(forum))
    last_seen(client, 90)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(forum_page(forum))
        client.get(forum_page(forum))
        client.post(reverse("session_extend"))

    assert session_writes(queries) == []
    assert SEEN_COOKIE in response.cookies  # the idle timer restarted, in the browser


def test_the_seen_cookie_is_renewed_at_most_once_a_minute(forum, member):
    client = client_for(member)
    client.get(forum_page(forum))
    last_seen(client, 10)
    assert SEEN_COOKIE not in client.get(forum_page(forum)).cookies
    last_seen(client, 70)
    assert SEEN_COOKIE in client.get(forum_page(forum)).cookies


def test_a_session_quiet_for_longer_than_the_idle_timeout_is_signed_out(forum, member, settings):
    client = client_for(member)
    client.get(forum_page(forum))
    last_seen(client, settings.SESSION_IDLE_SECONDS + 5)

    response = client.get(forum_page(forum))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_a_seen_cookie_from_another_session_or_forged_does_not_count(forum, member, settings):
    client = client_for(member)
    client.get(forum_page(forum))
    age_session(client, settings.SESSION_IDLE_SECONDS + 60)
    client.cookies[SEEN_COOKIE] = signing.dumps(
        {"s": "another-session", "t": int(time.time())}, salt=SEEN_SALT
    )
    assert client.get(forum_page(forum)).status_code == 302
    other = client_for(member)
    age_session(other, settings.SESSION_IDLE_SECONDS + 60)
    other.cookies[SEEN_COOKIE] = "forged"
    assert other.get(forum_page(forum)).status_code == 302


def test_expired_sessions_are_purged_daily(forum, member):
    from forum_app.retention import retention_apply

    client_for(member)
    Session.objects.update(expire_date=Session.objects.get().expire_date.replace(year=2000))
    assert retention_apply()["sessions"] == 1
    assert not Session.objects.exists()


def test_signed_in_pages_carry_the_warning_with_the_time_left(forum, member, settings):
    client = client_for(member)
    client.get(forum_page(forum))
    last_seen(client, 600)

    page = client.get(reverse("join")).content.decode()

    assert 'id="session-warning"' in page
    left = int(page.split('data-seconds-left="')[1].split('"')[0])
    # The request itself restarted the idle timeout (the last renewal was over a minute ago).
    assert settings.SESSION_IDLE_SECONDS - 5 <= left <= settings.SESSION_IDLE_SECONDS
    assert "Stay signed in" in page


def test_the_warning_counts_down_to_the_twelve_hour_limit_when_that_comes_first(
    forum, member, settings
):
    client = client_for(member)
    client.get(forum_page(forum))
    age_session(client, settings.SESSION_MAX_AGE_SECONDS - 300)

    page = client.get(reverse("join")).content.decode()

    left = int(page.split('data-seconds-left="')[1].split('"')[0])
    assert 295 <= left <= 300


def test_anonymous_pages_have_no_warning(db):
    page = Client().get(reverse("account_login")).content.decode()
    assert "session-warning" not in page


def test_stay_signed_in_restarts_the_idle_timeout(forum, member, settings):
    client = client_for(member)
    client.get(forum_page(forum))
    last_seen(client, 25 * 60)

    response = client.post(
        reverse("session_extend"), {"next": "/evil.example"}, headers={"accept": "application/json"}
    )

    assert response.status_code == 200
    assert settings.SESSION_IDLE_SECONDS - 5 <= response.json()["seconds_left"]
    assert SEEN_COOKIE in response.cookies


def test_stay_signed_in_without_javascript_returns_to_the_page(forum, member):
    client = client_for(member)
    page = forum_page(forum)

    assert client.post(reverse("session_extend"), {"next": page}).url == page
    assert client.post(reverse("session_extend"), {"next": "https://evil.example/"}).url == "/"


def test_stay_signed_in_cannot_pass_the_twelve_hour_limit(forum, member, settings):
    client = client_for(member)
    client.get(forum_page(forum))
    age_session(client, settings.SESSION_MAX_AGE_SECONDS - 60)

    response = client.post(reverse("session_extend"), headers={"accept": "application/json"})

    assert response.json()["seconds_left"] <= 60


def test_deactivating_ends_every_session_of_that_person_only(forum, member, convenor):
    laptop, phone, colleague = client_for(member), client_for(member), client_for(convenor)

    user_deactivate(user=member, actor=None)

    assert Session.objects.count() == 1
    member.refresh_from_db()
    assert not member.is_active
    assert laptop.get(forum_page(forum)).status_code == 302
    assert phone.get(forum_page(forum)).status_code == 302
    assert colleague.get(forum_page(forum)).status_code == 200


@pytest.mark.django_db
def test_admin_action_switches_off_and_signs_out(forum, member):
    client_for(member)
    admin_user = User.objects.create_superuser("it@council.example", "x")
    request = RequestFactory().post("/admin/forum_app/user/")
    request.user = admin_user
    model_admin = UserAdmin(User, site)
    model_admin.message_user = lambda *args, **kwargs: None

    model_admin.deactivate_and_sign_out(request, User.objects.filter(pk=member.pk))

    member.refresh_from_db()
    assert not member.is_active
    assert not Session.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(forum, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    assert client.post(reverse("account_logout")).status_code == 403
    assert client.get(forum_page(forum)).status_code == 200
