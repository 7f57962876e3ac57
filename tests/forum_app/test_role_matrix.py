"""Every URL × every persona, from the URL resolver and the one policy table."""

import pytest
from django.urls import reverse

from tests.access_policy import PERSONAS, POLICY
from tests.conftest import client_for
from tests.world import project_url_names, world_fixture  # noqa: F401 — the world fixture


def test_every_project_url_has_a_policy_row():
    missing = project_url_names() - POLICY.keys()
    assert not missing, f"Add these URLs to tests/access_policy.py: {sorted(missing)}"


def test_policy_has_no_stale_rows():
    stale = POLICY.keys() - project_url_names()
    assert not stale, f"These policy rows name no URL: {sorted(stale)}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(POLICY))
def test_url_answers_each_persona_as_the_policy_says(world, name, persona):
    rule = POLICY[name]
    url = reverse(name, args=world["args"][rule.args])
    client = client_for(world["people"][persona])
    response = getattr(client, rule.method)(url, rule.data)
    assert response.status_code == rule.expected(persona), f"{rule.method.upper()} {url}"
    if persona == "anonymous" and response.status_code == 302 and name != "home":
        assert response["Location"].startswith(reverse("account_login"))
