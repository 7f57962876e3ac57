"""Sending a brief: check your answers first; a new version only with a change and a reason."""

from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from escalations.models import BriefVersion, Response
from escalations.services import briefs as services
from forum_app.models import Notification
from forum_app.notifications import outbox_sweep
from tests.conftest import client_for
from tests.escalations.world import draft_brief

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_pdfs():
    with mock.patch("escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7"):
        yield


@pytest.fixture
def brief(forum, convenor, leader):
    return draft_brief(forum, convenor, leader)


def _sent(brief, convenor):
    services.brief_send(brief=brief, actor=convenor)
    brief.refresh_from_db()
    return brief


def test_the_check_page_shows_recipients_ask_date_and_the_pdf(forum, convenor, leader, brief):
    page = client_for(convenor).get(reverse("forum_briefs:check", args=[forum.slug, brief.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert leader.display_name in html
    assert "Agree a caseload cap of 22 from April." in html
    assert brief.response_by.strftime("%-d %B %Y") in html
    assert reverse("forum_briefs:draft_pdf", args=[forum.slug, brief.pk]) in html
    assert "Send the brief" in html
    assert not BriefVersion.objects.filter(brief=brief).exists()  # looking sends nothing


def test_the_brief_page_links_to_the_check_instead_of_sending(forum, convenor, brief):
    html = client_for(convenor).get(brief.get_absolute_url()).content.decode()
    assert reverse("forum_briefs:check", args=[forum.slug, brief.pk]) in html
    assert reverse("forum_briefs:send", args=[forum.slug, brief.pk]) not in html


def test_sending_twice_unchanged_is_refused(forum, convenor, brief):
    _sent(brief, convenor)
    with pytest.raises(ValidationError, match="Nothing has changed since version 1"):
        services.brief_send(brief=brief, actor=convenor, reason="Sending again.")
    client = client_for(convenor)
    check = client.get(reverse("forum_briefs:check", args=[forum.slug, brief.pk])).content
    assert b"Nothing has changed since version 1" in check
    assert b"Send version 2" not in check
    response = client.post(
        reverse("forum_briefs:send", args=[forum.slug, brief.pk]), {"reason": "Again."}
    )
    assert response.status_code == 400
    assert brief.versions.count() == 1
    assert Notification.objects.filter(kind="brief_sent", context__amended=True).count() == 0


def test_a_new_version_needs_a_change_and_a_one_line_reason(forum, convenor, brief):
    _sent(brief, convenor)
    brief.ask = "Agree a caseload cap of 20 from April."
    brief.save()
    client = client_for(convenor)
    url = reverse("forum_briefs:send", args=[forum.slug, brief.pk])
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say in one line why you are sending a new version." in refused.content.decode()
    assert brief.versions.count() == 1

    check = client.get(reverse("forum_briefs:check", args=[forum.slug, brief.pk])).content.decode()
    assert "What changed since version 1" in check
    assert "Agree a caseload cap of 22 from April." in check  # before
    assert "Agree a caseload cap of 20 from April." in check  # now

    sent = client.post(url, {"reason": "The Director asked for a cap of 20."})
    assert sent.status_code == 302
    second = brief.versions.get(number=2)
    assert second.reason == "The Director asked for a cap of 20."
    email = Notification.objects.filter(kind="brief_sent", recipient=brief.recipients.get())
    email = email.order_by("-pk").first()
    assert email.context["reason"] == "The Director asked for a cap of 20."


def test_the_leader_sees_the_brief_which_version_is_current_and_what_changed(
    forum, convenor, leader, brief
):
    _sent(brief, convenor)
    brief.ask = "Agree a caseload cap of 20 from April."
    brief.save()
    services.brief_send(brief=brief, actor=convenor, reason="The cap is now 20.")
    html = client_for(leader).get(brief.get_leader_url()).content.decode()
    assert "You are reading version 2, the current one" in html
    assert "Current" in html
    assert "The cap is now 20." in html
    assert "What changed: The ask" in html
    assert "The problem" in html and "The evidence" in html  # the brief itself, as a page
    assert "Agree a caseload cap of 20 from April." in html


def test_the_leader_page_says_what_they_have_done(forum, convenor, leader, brief):
    _sent(brief, convenor)
    client = client_for(leader)
    assert "You have not answered yet." in client.get(brief.get_leader_url()).content.decode()
    services.brief_respond(
        brief=brief,
        actor=leader,
        position=Response.Position.ACCEPT_IN_PART,
        reasons="A cap needs funding.",
    )
    response = Response.objects.get(brief=brief)
    html = client.get(brief.get_leader_url()).content.decode()
    assert f"You responded: accept in part, {response.created_at:%-d %B}." in html
    assert "Change your response" in html


def test_the_brief_email_carries_the_ask_and_the_response_by_date(forum, convenor, leader, brief):
    _sent(brief, convenor)
    outbox_sweep()
    to_leader = next(m for m in mail.outbox if leader.email in m.to)
    assert "Agree a caseload cap of 22 from April." in to_leader.body
    assert f"Response needed by {brief.response_by:%-d %B %Y}." in to_leader.body
