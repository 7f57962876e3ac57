"""A form's address opened by GET (a refresh, a restored tab) leads back to its page."""

import pytest
from django.urls import reverse

from tests.access_policy import POLICY
from tests.conftest import client_for
from tests.world import world_fixture  # noqa: F401 — the world fixture

POST_ONLY = sorted(name for name, rule in POLICY.items() if rule.method == "post")


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_ONLY)
def test_get_on_a_post_only_address_redirects_to_its_page(world, name):
    rule = POLICY[name]
    persona = next(iter(rule.allowed))
    url = reverse(name, args=world["args"][rule.args])
    response = client_for(world["people"][persona]).get(url)
    assert response.status_code == 302, f"GET {url} answered {response.status_code}"
    assert response["Location"] != url


@pytest.mark.django_db
def test_get_on_the_anonymous_update_address_opens_the_follow_page(world):
    url = reverse("issues:follow_update", args=world["args"]["forum"])
    response = client_for(world["people"]["member"]).get(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("issues:follow", args=world["args"]["forum"])


@pytest.mark.django_db
def test_other_methods_on_a_post_only_address_are_still_refused(world):
    url = reverse("issues:support", args=world["args"]["issue"])
    assert client_for(world["people"]["member"]).put(url).status_code == 405
