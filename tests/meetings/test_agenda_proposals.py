"""Members propose agenda items; the convenor accepts or declines; the proposer hears which."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from forum_app.models import Delivery, Notification
from forum_app.notifications import digests_send
from meetings.models import AgendaItem, AgendaProposal, Phase
from meetings.services import proposals
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(forum):
    return MeetingFactory(forum=forum)


def page(meeting) -> str:
    return reverse("meetings:proposals", args=[meeting.forum.slug, meeting.pk])


def answer_url(proposal, what: str) -> str:
    meeting = proposal.meeting
    return reverse(f"meetings:proposal_{what}", args=[meeting.forum.slug, meeting.pk, proposal.pk])


def digest_lines(user) -> list[str]:
    return [
        item["line"]
        for row in Notification.objects.filter(kind="digest", recipient=user)
        for item in row.context["items"]
    ]


def propose(client, meeting, title="Pool cars for home visits", **extra):
    data = {"title": title, "why": "Three of us waited an hour for a car.", "once": "t" * 32}
    return client.post(page(meeting), data | extra)


def test_a_member_proposes_an_item_and_sees_it_waiting(meeting, member):
    client = client_for(member)
    response = propose(client, meeting)
    assert response.status_code == 302
    (proposal,) = AgendaProposal.objects.all()
    assert proposal.proposed_by == member and proposal.state == AgendaProposal.State.WAITING
    html = client.get(page(meeting)).content.decode()
    assert "Pool cars for home visits" in html and "Waiting for the convenor" in html


def test_sending_the_same_proposal_twice_creates_one(meeting, member):
    client = client_for(member)
    propose(client, meeting)
    again = propose(client, meeting)
    assert again.status_code == 302
    assert AgendaProposal.objects.count() == 1


def test_an_empty_proposal_is_shown_again_with_the_error_beside_the_field(meeting, member):
    response = propose(client_for(member), meeting, title="  ", why="Kept text")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what the item is." in html
    assert 'aria-invalid="true"' in html and "Kept text" in html
    assert not AgendaProposal.objects.exists()


def test_the_agenda_links_members_to_proposing(meeting, member):
    html = client_for(member).get(meeting.get_absolute_url()).content.decode()
    assert page(meeting) in html and "Propose an item for this agenda" in html


def test_the_convenor_sees_waiting_proposals_from_the_agenda(meeting, member, convenor):
    proposals.agenda_proposal_create(meeting=meeting, actor=member, title="Parking")
    html = client_for(convenor).get(meeting.get_absolute_url()).content.decode()
    assert "1 proposal from members is waiting for your answer" in html
    html = client_for(convenor).get(page(meeting)).content.decode()
    assert "Parking" in html and str(member) in html


def test_members_see_only_their_own_proposals(meeting, member, forum):
    other = MembershipFactory(forum=forum).user
    proposals.agenda_proposal_create(meeting=meeting, actor=other, title="Someone else's idea")
    html = client_for(member).get(page(meeting)).content.decode()
    assert "Someone else" not in html
    assert "You have not proposed anything for this meeting." in html


def test_accepting_puts_the_item_on_the_agenda_and_tells_the_proposer_in_the_digest(
    meeting, member, convenor, django_capture_on_commit_callbacks
):
    proposal = proposals.agenda_proposal_create(
        meeting=meeting, actor=member, title="Pool cars", why="Waiting an hour."
    )
    response = client_for(convenor).post(answer_url(proposal, "accept"))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == AgendaProposal.State.ACCEPTED
    item = AgendaItem.objects.get(meeting=meeting)
    assert proposal.agenda_item == item and item.title == "Pool cars"
    (news,) = Notification.objects.filter(kind="agenda_proposal")
    assert news.recipient == member and news.status == Notification.Status.DIGEST
    with django_capture_on_commit_callbacks(execute=True):
        digests_send(period=Delivery.DAILY)
    (line,) = digest_lines(member)
    assert "Pool cars" in line and "on the agenda" in line


def test_declining_with_a_reason_tells_the_proposer_the_reason(
    meeting, member, convenor, django_capture_on_commit_callbacks
):
    proposal = proposals.agenda_proposal_create(meeting=meeting, actor=member, title="Parking")
    reason = "Estates answer this at their own meeting."
    response = client_for(convenor).post(answer_url(proposal, "decline"), {"reason": reason})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == AgendaProposal.State.DECLINED and proposal.decline_reason == reason
    assert not AgendaItem.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        digests_send(period=Delivery.DAILY)
    (line,) = digest_lines(member)
    assert "Parking" in line and reason in line
    assert reason in client_for(member).get(page(meeting)).content.decode()


def test_a_too_long_decline_reason_is_shown_beside_the_field(meeting, member, convenor):
    proposal = proposals.agenda_proposal_create(meeting=meeting, actor=member, title="Parking")
    response = client_for(convenor).post(answer_url(proposal, "decline"), {"reason": "x" * 301})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "at most 300 characters" in html
    proposal.refresh_from_db()
    assert proposal.state == AgendaProposal.State.WAITING


def test_a_proposal_is_answered_once(meeting, member, convenor):
    proposal = proposals.agenda_proposal_create(meeting=meeting, actor=member, title="Parking")
    proposals.agenda_proposal_accept(proposal=proposal, actor=convenor)
    with pytest.raises(ValidationError, match="already been answered"):
        proposals.agenda_proposal_decline(proposal=proposal, actor=convenor)
    assert AgendaItem.objects.count() == 1
    assert Notification.objects.filter(kind="agenda_proposal").count() == 1


def test_only_the_convenor_answers_proposals(meeting, member):
    proposal = proposals.agenda_proposal_create(meeting=meeting, actor=member, title="Parking")
    with pytest.raises(ValidationError):
        proposals.agenda_proposal_accept(proposal=proposal, actor=member)
    assert client_for(member).post(answer_url(proposal, "accept")).status_code in (403, 404)
    proposal.refresh_from_db()
    assert proposal.state == AgendaProposal.State.WAITING


def test_opening_an_answer_address_goes_to_the_proposals_page(meeting, member, convenor):
    proposal = proposals.agenda_proposal_create(meeting=meeting, actor=member, title="Parking")
    response = client_for(convenor).get(answer_url(proposal, "decline"))
    assert response.status_code == 302 and response["Location"] == page(meeting)


def test_no_proposals_once_the_meeting_is_past_its_review(meeting, member, convenor):
    meeting = advance_to(meeting, convenor, Phase.GROUP)
    with pytest.raises(ValidationError, match="agenda is settled"):
        proposals.agenda_proposal_create(meeting=meeting, actor=member, title="Late idea")
    html = client_for(member).get(page(meeting)).content.decode()
    assert "takes no more proposals" in html and "Send the proposal" not in html


def test_a_member_cannot_flood_the_convenor(meeting, member):
    for n in range(proposals.MOST_WAITING):
        proposals.agenda_proposal_create(meeting=meeting, actor=member, title=f"Idea {n}")
    with pytest.raises(ValidationError, match="Wait for the convenor"):
        proposals.agenda_proposal_create(meeting=meeting, actor=member, title="One more")


def test_someone_outside_the_forum_cannot_see_or_propose(meeting, outsider):
    client = client_for(outsider)
    assert client.get(page(meeting)).status_code in (403, 404)
    propose(client, meeting)
    assert not AgendaProposal.objects.exists()
