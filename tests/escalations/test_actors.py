"""Who did what to a brief: leaders change only their own commitments, and every step says who."""

from escalations.models import BriefEvent, Commitment, ProgressNote
from escalations.services import briefs as services
from tests.conftest import client_for
from tests.escalations.world import sent_brief
from tests.factories import MembershipFactory, with_totp


def second_leader(forum):
    other = MembershipFactory(forum=forum, role="leader", user__display_name="Rahul Okafor").user
    with_totp(other)
    return other


def shared_brief(forum, convenor, leader):
    """A brief sent to two leaders, with one commitment from the first."""
    other = second_leader(forum)
    brief = sent_brief(forum, convenor, leader)
    brief.recipients.add(other)
    commitment = services.commitment_add(
        brief=brief,
        actor=leader,
        what="Review caseloads",
        owner="Head of Service",
        due_on=brief.response_by,
    )
    return brief, commitment, other


def test_a_leader_sharing_a_brief_cannot_change_another_leader_s_commitment(
    forum, convenor, leader
):
    brief, commitment, other = shared_brief(forum, convenor, leader)
    client = client_for(other)

    response = client.post(
        f"/briefs/commitments/{commitment.pk}/", {"status": "dropped", "note": "Not happening."}
    )

    assert response.status_code == 404
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.PLANNED
    assert not ProgressNote.objects.exists()
    assert not BriefEvent.objects.filter(kind=BriefEvent.Kind.COMMITMENT_UPDATED).exists()
    page = client.get(f"/briefs/{brief.pk}/").content.decode()
    assert "Review caseloads" in page
    assert f"/briefs/commitments/{commitment.pk}/" not in page


def test_a_leader_changes_their_own_commitment_and_the_record_names_them(
    forum, convenor, leader, member
):
    brief, commitment, _other = shared_brief(forum, convenor, leader)

    response = client_for(leader).post(
        f"/briefs/commitments/{commitment.pk}/", {"status": "in_progress", "note": "Started."}
    )

    assert response.status_code == 302
    note = ProgressNote.objects.get()
    assert note.written_by == leader
    event = BriefEvent.objects.get(kind=BriefEvent.Kind.COMMITMENT_UPDATED)
    assert (event.actor, event.actor_role) == (leader, "leader")
    forum_page = client_for(member).get(brief.get_absolute_url()).content.decode()
    assert f"{leader.display_name}: Started." in forum_page
    assert f"by {leader.display_name}" in forum_page


def test_every_step_taken_by_a_person_records_who(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    services.brief_acknowledge(brief=brief, actor=leader)
    services.brief_respond(brief=brief, actor=leader, position="accept", reasons="Agreed.")
    commitment = services.commitment_add(
        brief=brief, actor=leader, what="Cap caseloads", owner="Director", due_on=brief.response_by
    )
    services.commitment_update(commitment=commitment, actor=leader, status="done")
    services.brief_set_status(brief=brief, actor=convenor, status="resolved")

    events = {event.kind: event for event in brief.events.all()}
    for kind in ("created", "sent", "status"):
        assert (events[kind].actor, events[kind].actor_role) == (convenor, "convenor")
    for kind in ("acknowledged", "responded", "commitment", "commitment_updated"):
        assert (events[kind].actor, events[kind].actor_role) == (leader, "leader")
    assert not brief.events.filter(actor=None).exists()


def test_leaders_see_leaders_by_name_and_the_forum_as_the_forum(forum, convenor, leader):
    brief, _commitment, other = shared_brief(forum, convenor, leader)
    services.brief_acknowledge(brief=brief, actor=leader)

    page = client_for(other).get(f"/briefs/{brief.pk}/").content.decode()

    assert f"by {leader.display_name}" in page
    assert "by the forum" in page
    assert convenor.display_name not in page
