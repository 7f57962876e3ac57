"""One roster: a switched-off account or an ended membership is never written to or chosen.

``User.objects.active_in(forum, *roles)`` decides who a forum reaches. These tests switch
people off in every role and check every kind of email and every choice of a person.
"""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from escalations.models import LadderRung
from escalations.services import briefs
from escalations.services.followups import followups_sweep
from forum_app.models import Delivery, Membership, Notification, NotificationPreference, Role, User
from forum_app.notifications import KINDS, notify, outbox_sweep
from forum_app.notifications.digests import digests_send
from meetings.services.decisions import leaders_of
from tests.escalations.world import sent_brief
from tests.factories import MembershipFactory
from tests.forum_app.test_xss_emails import live_a_forums_life, plain_texts

pytestmark = pytest.mark.django_db


def switched_off(forum, role: str, name: str) -> User:
    user = MembershipFactory(forum=forum, role=role, user__display_name=name).user
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def test_the_roster_holds_active_accounts_with_active_memberships_in_the_roles(forum):
    here = MembershipFactory(forum=forum, role=Role.CONVENOR).user
    switched_off(forum, Role.CONVENOR, "Switched off")
    MembershipFactory(forum=forum, role=Role.CONVENOR, status=Membership.Status.LEFT)
    MembershipFactory(forum=forum, role=Role.CONVENOR, status=Membership.Status.PENDING)
    member = MembershipFactory(forum=forum, role=Role.MEMBER).user
    MembershipFactory(role=Role.CONVENOR)  # another forum's convenor

    assert list(User.objects.active_in(forum, Role.CONVENOR)) == [here]
    both = User.objects.active_in(forum, Role.CONVENOR, Role.MEMBER)
    assert set(both) == {here, member}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_no_email_of_any_kind_is_queued_for_a_switched_off_account(forum, kind):
    gone = switched_off(forum, Role.MEMBER, "Switched off")
    row = notify(
        kind=kind,
        email=gone.email,
        recipient=gone,
        forum=forum,
        dedupe_key=f"{kind}:gone",
        context={"forum": forum.name, "link": "http://x/"},
    )
    assert row is None
    assert not Notification.objects.exists()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_email_queued_before_the_account_was_switched_off_is_not_sent(forum, member, kind):
    row = notify(
        kind=kind,
        email=member.email,
        recipient=member,
        forum=forum,
        dedupe_key=f"{kind}:later",
        context={"forum": forum.name, "link": "http://x/"},
        due_at=timezone.now() + datetime.timedelta(days=1),
    )
    member.is_active = False
    member.save(update_fields=["is_active"])
    later = timezone.now() + datetime.timedelta(days=2)
    outbox_sweep(now=later)
    row.refresh_from_db()
    if KINDS[kind].digest_only:  # it waits for a digest, and digests skip switched-off accounts
        digests_send(period=row.digest, now=later)
        row.refresh_from_db()
        assert row.status == "digest" and mail.outbox == []
        return
    assert row.status == "failed"
    assert row.last_error == "Not sent: this person's account is switched off."
    assert mail.outbox == []


def test_a_forums_whole_life_writes_to_nobody_switched_off(monkeypatch, mailoutbox):
    gone: list[User] = []

    def switched_off_people(forum):
        for role in (Role.CONVENOR, Role.MEMBER, Role.LEADER):
            gone.append(switched_off(forum, role, f"Switched-off {role}"))
        reader = switched_off(forum, Role.MEMBER, "Switched-off digest reader")
        NotificationPreference.objects.create(
            user=reader, kind="meeting_scheduled", delivery=Delivery.DAILY
        )
        gone.append(reader)

    text = plain_texts()
    live_a_forums_life(text, monkeypatch, also=switched_off_people)

    addresses = {user.email for user in gone}
    assert not Notification.objects.filter(email__in=addresses).exists()
    assert not Notification.objects.filter(recipient__in=gone).exists()
    assert not {address for m in mailoutbox for address in m.to} & addresses
    sent_kinds = set(Notification.objects.values_list("kind", flat=True))
    assert sent_kinds == set(KINDS), "every kind went to someone still here"


def test_a_switched_off_leader_cannot_be_chosen_for_a_brief_or_the_ladder(
    forum, convenor, leader, monkeypatch
):
    monkeypatch.setattr(briefs, "render_brief_pdf", lambda html: b"%PDF-1.7 stand-in")
    gone = switched_off(forum, Role.LEADER, "Switched-off director")
    above = MembershipFactory(forum=forum, role=Role.LEADER, user__display_name="Chief").user
    assert gone not in leaders_of(forum)
    assert gone not in briefs.forum_leaders(forum)

    brief = sent_brief(forum, convenor, leader)
    LadderRung.objects.create(forum=forum, leader=leader, position=1)
    LadderRung.objects.create(forum=forum, leader=gone, position=2)
    LadderRung.objects.create(forum=forum, leader=above, position=3)
    for week in (1, 2, 3):
        due = datetime.datetime.combine(
            brief.response_by + datetime.timedelta(weeks=week), datetime.time(10), datetime.UTC
        )
        followups_sweep(now=due)
    recipients = set(brief.recipients.all())
    assert above in recipients and gone not in recipients
