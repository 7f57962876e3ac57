"""Back then Send, or a refresh, after a form that creates something creates nothing more."""

import datetime
import re
from unittest import mock

import pytest
from django.urls import reverse

from escalations.models import Brief, Commitment, ProgressNote, Response
from escalations.services import briefs as brief_services
from issues.models import Comment
from meetings.models import AgendaItem, Meeting, Phase, Theme
from tests.conftest import client_for
from tests.escalations.world import draft_brief, escalated_theme
from tests.factories import DecisionFactory, IssueFactory, MeetingFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db
ONCE = re.compile(r'name="once" value="([^"]+)"')


def _token(client, url: str) -> str:
    """The one-time token of the (first) form on the page at ``url``."""
    found = ONCE.search(client.get(url).content.decode())
    assert found, f"no one-time token on {url}"
    return found.group(1)


def _twice(client, url: str, data: dict):
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:500]
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    return again


def test_a_comment_sent_twice_is_posted_once(forum, member):
    issue = IssueFactory(forum=forum)
    client = client_for(member)
    token = _token(client, issue.get_absolute_url())
    url = reverse("issues:comment", args=[forum.slug, issue.pk])
    again = _twice(client, url, {"body": "Same here in the east team.", "once": token})
    assert Comment.objects.filter(issue=issue).count() == 1
    page = client.get(again["Location"]).content.decode()
    assert "That was sent already, so nothing was sent again." in page


def test_a_new_token_makes_a_second_comment(forum, member):
    issue = IssueFactory(forum=forum)
    client = client_for(member)
    url = reverse("issues:comment", args=[forum.slug, issue.pk])
    for _ in range(2):
        token = _token(client, issue.get_absolute_url())
        client.post(url, {"body": "Another thought.", "once": token})
    assert Comment.objects.filter(issue=issue).count() == 2


def test_a_form_with_errors_keeps_its_token_usable(forum, member):
    issue = IssueFactory(forum=forum)
    client = client_for(member)
    token = _token(client, issue.get_absolute_url())
    url = reverse("issues:comment", args=[forum.slug, issue.pk])
    assert client.post(url, {"body": "", "once": token}).status_code == 200
    assert client.post(url, {"body": "Now with words.", "once": token}).status_code == 302
    assert Comment.objects.filter(issue=issue).count() == 1


def test_a_meeting_arranged_twice_is_arranged_once(forum, convenor):
    client = client_for(convenor)
    url = reverse("meetings:schedule", args=[forum.slug])
    token = _token(client, url)
    day = (datetime.date.today() + datetime.timedelta(days=20)).isoformat()
    data = {"title": "March forum", "date": day, "start": "10:00", "end": "11:00"}
    _twice(client, url, data | {"place": "Room 2", "once": token})
    assert Meeting.objects.filter(forum=forum, title="March forum").count() == 1


def test_an_agenda_item_and_a_theme_added_twice_are_added_once(forum, convenor):
    meeting = MeetingFactory(forum=forum)
    client = client_for(convenor)
    token = _token(client, meeting.get_absolute_url())
    url = reverse("meetings:agenda_add", args=[forum.slug, meeting.pk])
    _twice(client, url, {"title": "Mileage claims", "once": token})
    assert AgendaItem.objects.filter(meeting=meeting, title="Mileage claims").count() == 1

    meeting = advance_to(meeting, convenor, Phase.GROUP)
    group = reverse("meetings:group", args=[forum.slug, meeting.pk])
    url = reverse("meetings:theme_create", args=[forum.slug, meeting.pk])
    _twice(client, url, {"name": "Travel", "once": _token(client, group)})
    assert Theme.objects.filter(forum=forum, name="Travel").count() == 1


def test_a_brief_started_twice_from_a_decision_is_started_once(forum, convenor, leader):
    decision = DecisionFactory(
        meeting=MeetingFactory(forum=forum), theme=escalated_theme(forum), leader=leader
    )
    client = client_for(convenor)
    token = _token(client, reverse("forum_briefs:list", args=[forum.slug]))
    url = reverse("forum_briefs:from_decision", args=[forum.slug, decision.pk])
    _twice(client, url, {"once": token})
    assert Brief.objects.filter(decision=decision).count() == 1


@pytest.fixture
def brief_sent(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    with mock.patch("escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7"):
        brief_services.brief_send(brief=brief, actor=convenor)
    return brief


def test_a_leaders_response_and_commitment_sent_twice_are_recorded_once(brief_sent, leader):
    client = client_for(leader)
    page = brief_sent.get_leader_url()
    url = reverse("escalations:respond", args=[brief_sent.pk])
    _twice(client, url, {"position": "accept", "reasons": "Agreed.", "once": _token(client, page)})
    assert Response.objects.filter(brief=brief_sent).count() == 1

    url = reverse("escalations:commitment_add", args=[brief_sent.pk])
    data = {"what": "Review caseloads", "owner": "Head of Service", "due_on": "2099-01-01"}
    _twice(client, url, data | {"once": "A" * 32})
    commitment = Commitment.objects.get(brief=brief_sent)

    url = reverse("escalations:commitment_update", args=[commitment.pk])
    _twice(client, url, {"status": "in_progress", "note": "Audit begun.", "once": "B" * 32})
    assert ProgressNote.objects.filter(commitment=commitment).count() == 1
