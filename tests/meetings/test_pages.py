"""Meeting pages through the client: list, schedule form, vote page, minutes and PDF."""

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, Outcome, Phase
from tests.conftest import client_for, require_service
from tests.factories import MeetingFactory
from tests.meetings.conftest import advance_to, grouped_meeting

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_empty_list_says_what_to_do(forum, member, convenor):
    url = reverse("meetings:list", args=[forum.slug])
    assert "The convenors arrange them" in client_for(member).get(url).content.decode()
    page = client_for(convenor).get(url).content.decode()
    assert "Arrange one: members get an invitation" in page


def test_list_pages_past_meetings_in_a_fixed_number_of_queries(
    forum, member, django_assert_max_num_queries
):
    for _ in range(25):
        MeetingFactory(forum=forum, phase=Phase.CLOSED)
    url = reverse("meetings:list", args=[forum.slug])
    client = client_for(member)
    # Session, user, membership, upcoming, count, one page, session write (in a savepoint).
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert "Page 1 of 3" in response.content.decode()


def test_schedule_form_errors_keep_what_was_typed(forum, convenor):
    url = reverse("meetings:schedule", args=[forum.slug])
    tomorrow = (timezone.localdate() + timedelta(days=3)).isoformat()
    data = {
        "title": "April meeting",
        "date": tomorrow,
        "start": "13:00",
        "end": "12:00",
        "place": "Room 2",
        "video_link": "",
    }
    response = client_for(convenor).post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The meeting must end after it starts." in page
    assert 'value="April meeting"' in page
    data["end"] = "14:30"
    response = client_for(convenor).post(url, data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert timezone.localtime(meeting.starts_at, forum.tzinfo).hour == 13


def test_a_bad_time_is_a_field_error_not_a_500(forum, convenor):
    url = reverse("meetings:schedule", args=[forum.slug])
    data = {"title": "x", "date": "31/31/2026", "start": "noon", "end": "", "place": ""}
    response = client_for(convenor).post(url, data)
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_opening_a_running_meeting_records_nothing_until_the_member_says_they_are_here(
    forum, convenor, member
):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.REVIEW)
    client = client_for(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert not meeting.attendances.filter(user=member).exists()
    assert "I’m here" in page
    url = reverse("meetings:attend", args=[forum.slug, meeting.pk])
    assert client.post(url).status_code == 302
    assert meeting.attendances.filter(user=member).exists()
    assert "I’m here" not in client.get(meeting.get_absolute_url()).content.decode()


def closed_meeting(forum, convenor, member, leader) -> Meeting:
    meeting, themes = grouped_meeting(forum, convenor)
    services.agenda_item_add(meeting=meeting, actor=convenor, title="Lone working policy")
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    services.meeting_attend(meeting=meeting, user=member)
    services.ballot_cast(
        meeting=meeting, voter=member, allocations={themes[0].pk: 3, themes[1].pk: 2}
    )
    meeting = advance_to(meeting, convenor, Phase.DECIDE)
    services.decision_record(
        meeting=meeting,
        actor=convenor,
        theme=themes[0],
        data=services.DecisionData(
            outcome=Outcome.ESCALATE,
            problem_statement="Caseloads in the assessment teams average 31 children.",
            proposed_solution="Cap caseloads at 22 and fund two agency posts until recruitment.",
            ask="Agree a caseload cap of 22 by the next budget round.",
            leader=leader,
            response_by=timezone.localdate() + timedelta(days=28),
            owner="Convenor drafts the brief this week",
        ),
    )
    services.decision_record(
        meeting=meeting,
        actor=convenor,
        theme=themes[1],
        data=services.DecisionData(
            outcome=Outcome.RESOLVE_LOCALLY, owner="Priya asks IT for spare laptops"
        ),
    )
    services.meeting_close(meeting=meeting, actor=convenor)
    return meeting


def test_minutes_pdf_reads_like_a_filed_document(forum, convenor, member, leader):
    require_service(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    meeting = closed_meeting(forum, convenor, member, leader)
    response = client_for(convenor).get(
        reverse("meetings:minutes_pdf", args=[forum.slug, meeting.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "meeting-minutes.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "Minutes",
        forum.name,
        "1 person",
        "Caseloads: 3 dots",
        "Escalate to a senior leader",
        "Agree a caseload cap of 22",
        "Convenor drafts the brief this week",
        "Lone working policy",
        "Next meeting",
        "Page 1 of",
    ):
        assert expected in text, expected


def test_members_see_minutes_only_once_published(forum, convenor, member, leader):
    meeting = closed_meeting(forum, convenor, member, leader)
    url = reverse("meetings:minutes", args=[forum.slug, meeting.pk])
    assert client_for(member).get(url).status_code == 404
    assert client_for(convenor).get(url).status_code == 200
    services.minutes_publish(minutes=meeting.minutes, actor=convenor)
    page = client_for(member).get(url).content.decode()
    assert "Agree a caseload cap of 22" in page
    assert client_for(member).post(url, {"body": "changed"}).status_code == 404
