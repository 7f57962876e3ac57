"""Voices that cannot be faked: nobody may take a name the forum speaks with.

A member called "The person who raised this" would have their comments look exactly like a
receipt-proven update from an anonymous raiser. Genuine updates carry a badge as well.
"""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from forum_app.models import User
from tests.factories import IssueFactory, UserFactory
from tests.forum_app.test_accounts import sign_up


@pytest.fixture(autouse=True)
def _only_the_council_may_sign_up(settings):
    settings.ALLOWED_SIGNUP_DOMAINS = ["council.example"]
    cache.clear()


@pytest.mark.parametrize(
    "name",
    [
        "The person who raised this",
        "the  person-who raised THIS!",
        "Thé Person Who Raised This",
        "The person who raised this (update)",
        "Convenor",
        "C0nvenor",
        "Sam, convenor",
        "Former member",
        "A former member",
        "a-former-member",
        "Raised anonymously",
        "Children's Practitioner Forum",
        "childrens practitioner forum",
        "Social Work Forum",
        "Anonymous",
    ],
)
def test_sign_up_refuses_a_name_the_forum_speaks_with(forum, name):
    response = sign_up(Client(), "someone@council.example", display_name=name)
    assert response.status_code == 200
    assert "This name is kept for the forum’s own labels" in response.text
    assert 'aria-invalid="true"' in response.text
    assert not User.objects.filter(email="someone@council.example").exists()


@pytest.mark.parametrize("name", ["Priya Shah", "Connor Reid", "Jo O'Neill-Smith", "Ṣadé Adú"])
def test_ordinary_names_are_welcome(forum, name):
    response = sign_up(Client(), "someone@council.example", display_name=name)
    assert response.status_code == 302
    assert User.objects.get(email="someone@council.example").display_name == name


def test_a_name_cannot_be_changed_to_a_reserved_one_either(forum):
    person = UserFactory(display_name="Priya Shah")
    person.display_name = "Former Member"
    with pytest.raises(ValidationError, match="kept for the forum"):
        person.full_clean()
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form_class = admin.site._registry[User].get_form(request, person)
    form = form_class(
        data={
            "email": person.email,
            "display_name": "CONVENOR",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00",
        },
        instance=person,
    )
    assert not form.is_valid()
    assert "kept for the forum" in str(form.errors["display_name"])


def test_an_address_like_convenor_at_is_not_shown_as_a_label(db):
    person = UserFactory(email="convenor@council.example", display_name="")
    assert str(person) == f"Member {person.pk}"


def test_sign_up_refuses_a_forum_s_name_in_a_longer_name(forum, other_forum):
    response = sign_up(
        Client(), "someone@council.example", display_name="Adults' Practitioner Forum team"
    )
    assert "This name is kept for the forum’s own labels" in response.text
    assert IssueFactory._meta.model.objects.count() == 0
