"""Sessions end after 12 hours however busy, and at once when an account is switched off."""

import time

import pytest
from django.contrib.admin.sites import site
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse

from forum_app.admin import UserAdmin
from forum_app.middleware import SESSION_STARTED_KEY
from forum_app.models import User
from forum_app.services import user_deactivate
from tests.conftest import client_for


def forum_page(forum) -> str:
    return f"/f/{forum.slug}/"


def age_session(client, seconds: int) -> None:
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - seconds
    session.save()


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
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


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
