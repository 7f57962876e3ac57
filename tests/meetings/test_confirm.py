"""Closing voting, closing a meeting and publishing minutes ask first; minutes can be corrected."""

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Minutes, MinutesRevision, Phase
from tests.conftest import client_for
from tests.factories import MeetingFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def voting_meeting(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    services.theme_create(meeting=meeting, actor=convenor, name="Caseloads")
    return advance_to(meeting, convenor, Phase.VOTE)


def _confirm_url(meeting):
    return reverse("meetings:confirm", args=[meeting.forum.slug, meeting.pk])


def test_closing_voting_without_confirming_leads_to_the_question(voting_meeting, convenor):
    client = client_for(convenor)
    url = reverse("meetings:phase", args=[voting_meeting.forum.slug, voting_meeting.pk])
    response = client.post(url, {"expected": "vote"})
    close_url = reverse(
        "meetings:voting_close", args=[voting_meeting.forum.slug, voting_meeting.pk]
    )
    assert response["Location"] == close_url
    assert client.get(_confirm_url(voting_meeting))["Location"] == close_url
    voting_meeting.refresh_from_db()
    assert voting_meeting.phase == Phase.VOTE
    page = client.get(close_url).content.decode()
    assert "Close voting now?" in page
    client.post(url, {"expected": "vote", "confirm": "yes"})
    voting_meeting.refresh_from_db()
    assert voting_meeting.phase == Phase.DECIDE


def test_closing_the_meeting_asks_first(voting_meeting, convenor):
    meeting = advance_to(voting_meeting, convenor, Phase.DECIDE)
    client = client_for(convenor)
    url = reverse("meetings:close", args=[meeting.forum.slug, meeting.pk])
    assert client.post(url)["Location"] == _confirm_url(meeting)
    meeting.refresh_from_db()
    assert meeting.phase == Phase.DECIDE
    page = client.get(_confirm_url(meeting)).content.decode()
    assert "Close the meeting and draft the minutes?" in page
    assert "Decisions are recorded for 0 of the 1 theme voted on." in page
    client.post(url, {"confirm": "yes"})
    meeting.refresh_from_db()
    assert meeting.phase == Phase.CLOSED


def test_the_convenor_sees_record_decisions_first_and_as_the_one_main_button(
    voting_meeting, convenor
):
    meeting = advance_to(voting_meeting, convenor, Phase.DECIDE)
    html = client_for(convenor).get(meeting.get_absolute_url()).content.decode()
    panel = html[html.index('id="run-heading"') :]
    record = panel.index("Record decisions")
    close = panel.index("Close the meeting and draft the minutes")
    assert record < close
    assert (
        'class="button" href="' + reverse("meetings:decide", args=[meeting.forum.slug, meeting.pk])
        in panel
    )
    assert 'class="button button-secondary" href="' + _confirm_url(meeting) in panel


@pytest.fixture
def closed_meeting(voting_meeting, convenor):
    meeting = advance_to(voting_meeting, convenor, Phase.DECIDE)
    services.meeting_close(meeting=meeting, actor=convenor)
    meeting.refresh_from_db()
    return meeting


def test_publishing_the_minutes_asks_first(closed_meeting, convenor, member):
    client = client_for(convenor)
    url = reverse("meetings:minutes_publish", args=[closed_meeting.forum.slug, closed_meeting.pk])
    assert client.post(url)["Location"] == _confirm_url(closed_meeting)
    assert Minutes.objects.get(meeting=closed_meeting).published_at is None
    page = client.get(_confirm_url(closed_meeting)).content.decode()
    assert "Publish the minutes and email members?" in page
    client.post(url, {"confirm": "yes"})
    assert Minutes.objects.get(meeting=closed_meeting).published_at is not None
    # Nothing is left to confirm: the question page leads back to the meeting.
    assert client.get(_confirm_url(closed_meeting))["Location"] == closed_meeting.get_absolute_url()


def test_published_minutes_are_corrected_as_a_new_version_keeping_the_old(
    closed_meeting, convenor, member
):
    minutes = Minutes.objects.get(meeting=closed_meeting)
    services.minutes_publish(minutes=minutes, actor=convenor)
    original = minutes.body
    client = client_for(convenor)
    url = reverse("meetings:minutes_correct", args=[closed_meeting.forum.slug, closed_meeting.pk])

    refused = client.post(url, {"body": original, "note": ""})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Say in one line what you corrected." in text or "This field is required." in text
    assert (
        "Nothing is different from the published minutes."
        in client.post(url, {"body": original, "note": "Fixed."}).content.decode()
    )

    corrected = original + "\n\nThe next meeting is on 4 March."
    assert client.post(url, {"body": corrected, "note": "Added the next date."}).status_code == 302
    assert client.post(url, {"body": corrected + " Room 2.", "note": "Room."}).status_code == 302
    minutes.refresh_from_db()
    assert minutes.body == corrected + " Room 2."
    versions = list(MinutesRevision.objects.filter(minutes=minutes))
    assert [(v.number, v.body, v.note) for v in versions] == [
        (1, original, "Added the next date."),
        (2, corrected, "Room."),
    ]
    page = (
        client_for(member)
        .get(reverse("meetings:minutes", args=[closed_meeting.forum.slug, closed_meeting.pk]))
        .content.decode()
    )
    assert "Corrections" in page and "Added the next date." in page
    assert "Version 1, as it read before" in page and "Version 2, as it read before" in page
    assert "Correct the minutes" not in page  # members read; convenors correct
