"""The anonymous raiser hears what happened: on the receipt and follow pages, and in a feed."""

from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from escalations.models import Response
from escalations.services import briefs as brief_services
from issues import receipts, services
from meetings.models import ThemeIssue
from tests.conftest import client_for
from tests.escalations.world import sent_brief
from tests.factories import raise_issue
from tests.issues.conftest import form_data, issue_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(forum, lists, member, convenor, leader):
    """An anonymous issue in a brief the leader has answered; its receipt code."""
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    with mock.patch(
        "escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7 stand-in"
    ):
        brief = sent_brief(forum, convenor, leader, issues=1)
    ThemeIssue.objects.create(theme=brief.theme, issue=raised.issue)
    brief_services.brief_respond(
        brief=brief,
        actor=leader,
        position=Response.Position.ACCEPT_IN_PART,
        reasons="Two agency posts from May; the cap needs a business case.",
    )
    return raised


def test_an_anonymous_raiser_learns_of_the_response_on_the_follow_page(forum, member, answered):
    page = client_for(member).post(
        reverse("issues:follow", args=[forum.slug]), {"receipt": answered.receipt}
    )
    text = page.content.decode()
    assert "Two agency posts from May" in text
    assert reverse("issues:feed", args=[forum.slug, receipts.feed_token(answered.receipt)]) in text


def test_the_feed_tells_the_story_without_signing_in(forum, answered):
    token = receipts.feed_token(answered.receipt)
    response = Client().get(reverse("issues:feed", args=[forum.slug, token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Two agency posts from May" in body and answered.issue.title in body
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_wrong_or_made_up_feed_address_is_not_found(forum, other_forum, answered):
    token = receipts.feed_token(answered.receipt)
    client = Client()
    altered = ("b" if token[0] != "b" else "c") + token[1:]
    assert client.get(reverse("issues:feed", args=[forum.slug, altered])).status_code == 404
    assert client.get(reverse("issues:feed", args=[forum.slug, "x" * 32])).status_code == 404
    wrong_forum = reverse("issues:feed", args=[other_forum.slug, token])
    assert client.get(wrong_forum).status_code == 404


def test_the_receipt_page_offers_the_feed_and_shows_the_story_once_it_appears(forum, lists, member):
    client = client_for(member)
    data = form_data(lists, identity="anonymous", submission=receipts.new_submission())
    response = client.post(reverse("issues:raise", args=[forum.slug]), data)
    page = client.get(response["Location"]).content.decode()
    assert "Your feed address" in page and "Timeline" not in page
    services.anonymous_publish_due(everything=True)
    page = client.get(response["Location"]).content.decode()
    assert "has appeared" in page and "Timeline" in page
