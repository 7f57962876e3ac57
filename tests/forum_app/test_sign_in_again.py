"""A form sent after the session ended leads, through sign-in, back to the form's page, where
the browser puts back what was typed. Nothing typed goes into the address."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


def raise_url(forum):
    return reverse("issues:raise", args=[forum.slug])


def test_a_form_sent_signed_out_returns_to_its_page_after_sign_in(forum):
    page = "http://testserver" + raise_url(forum)
    response = Client().post(
        raise_url(forum), {"title": "Typed before the session ended"}, HTTP_REFERER=page
    )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(raise_url(forum), safe='')}"
    assert "Typed" not in response["Location"]
    assert not Issue.objects.exists()


def test_an_htmx_form_sent_signed_out_opens_sign_in_as_a_whole_page(forum):
    issue = IssueFactory(forum=forum)
    issue_page = "http://testserver" + issue.get_absolute_url()
    response = Client().post(
        reverse("issues:comment", args=[forum.slug, issue.pk]),
        {"body": "Same here"},
        HTTP_REFERER=issue_page,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    next_page = quote(issue.get_absolute_url(), safe="")
    assert response["HX-Redirect"] == f"/accounts/login/?next={next_page}"


def test_a_referer_from_another_site_is_not_followed(forum):
    response = Client().post(
        raise_url(forum), {"title": "x"}, HTTP_REFERER="https://elsewhere.example/phish/"
    )
    assert "elsewhere" not in response["Location"]
    assert response["Location"].startswith("/accounts/login/?next=")
