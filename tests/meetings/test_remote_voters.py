""" "I'll vote remotely" does something: the member is told when voting opens, with the link."""

import pytest
from django.urls import reverse

from forum_app.models import Notification
from meetings import services
from meetings.models import Phase, Rsvp
from meetings.services import voting
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory
from tests.meetings.conftest import advance_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(forum):
    return MeetingFactory(forum=forum)


def answer(meeting, user, what):
    return voting.meeting_rsvp(meeting=meeting, user=user, answer=what)


def open_voting(meeting, convenor):
    meeting = advance_to(meeting, convenor, Phase.GROUP)
    services.theme_create(meeting=meeting, actor=convenor, name="Caseloads")
    return advance_to(meeting, convenor, Phase.VOTE)


def test_members_voting_remotely_are_told_when_voting_opens(meeting, forum, convenor, member):
    there = MembershipFactory(forum=forum).user
    silent = MembershipFactory(forum=forum).user
    remote = MembershipFactory(forum=forum).user
    answer(meeting, remote, Rsvp.Answer.REMOTE)
    answer(meeting, there, Rsvp.Answer.ATTEND)
    assert not Notification.objects.filter(kind="voting_open").exists()

    meeting = open_voting(meeting, convenor)
    (notice,) = Notification.objects.filter(kind="voting_open")
    assert notice.recipient == remote
    vote_page = reverse("meetings:vote", args=[forum.slug, meeting.pk])
    assert notice.context["link"].endswith(vote_page)
    assert notice.context["closes"] == voting.closes_text(meeting)
    assert {silent, there, member}.isdisjoint({notice.recipient})


def test_the_notice_names_nobody_and_is_the_same_for_every_remote_voter(meeting, forum, convenor):
    people = [MembershipFactory(forum=forum).user for _ in range(2)]
    for person in people:
        answer(meeting, person, Rsvp.Answer.REMOTE)
    open_voting(meeting, convenor)
    contexts = [n.context for n in Notification.objects.filter(kind="voting_open")]
    assert len(contexts) == 2 and contexts[0] == contexts[1]
    assert set(contexts[0]) == {"forum", "title", "closes", "link"}


def test_voting_withdraws_a_notice_still_waiting_to_go(meeting, forum, convenor):
    remote = MembershipFactory(forum=forum).user
    answer(meeting, remote, Rsvp.Answer.REMOTE)
    meeting = open_voting(meeting, convenor)
    Notification.objects.filter(kind="voting_open").update(status=Notification.Status.PENDING)
    theme = meeting.meeting_themes.get().theme
    services.ballot_cast(meeting=meeting, voter=remote, allocations={theme.pk: 1})
    assert not Notification.objects.filter(kind="voting_open").exists()


def test_someone_who_left_the_forum_is_not_told(meeting, forum, convenor):
    membership = MembershipFactory(forum=forum)
    answer(meeting, membership.user, Rsvp.Answer.REMOTE)
    membership.status = type(membership).Status.LEFT
    membership.save()
    open_voting(meeting, convenor)
    assert not Notification.objects.filter(kind="voting_open").exists()


def test_the_convenor_sees_how_many_come_and_how_many_vote_remotely(meeting, forum, convenor):
    page = client_for(convenor).get(meeting.get_absolute_url()).content.decode()
    assert "No member has said yet whether they will come" in page
    for what in (Rsvp.Answer.REMOTE, Rsvp.Answer.REMOTE, Rsvp.Answer.ATTEND):
        answer(meeting, MembershipFactory(forum=forum).user, what)
    page = client_for(convenor).get(meeting.get_absolute_url()).content.decode()
    assert "1 member said they will be there · 2 will vote remotely" in page
