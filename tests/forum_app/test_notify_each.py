"""``notify_each``: one kind to a roster, with keys the kind builds and reminders that say what
they are about."""

import datetime
import string

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from forum_app.models import Delivery, Membership, Notification, NotificationPreference, Role, User
from forum_app.notifications import KINDS, notify_each
from tests.factories import ForumFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_it_queues_one_row_per_person_keyed_by_the_kind(forum, convenor):
    second = MembershipFactory(forum=forum, role=Role.CONVENOR).user
    roster = User.objects.convenors_of(forum)

    queued = notify_each(
        "membership_requested",
        roster,
        forum=forum,
        key={"membership": 7},
        context={"forum": forum.name, "link": "http://x/"},
    )

    assert queued == 2
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"membership_requested:7:{convenor.pk}", f"membership_requested:7:{second.pk}"}
    assert set(Notification.objects.values_list("recipient", flat=True)) == {convenor.pk, second.pk}


def test_the_same_change_twice_queues_nothing_more(forum, convenor):
    args = {"forum": forum, "key": {"issue": 3}, "context": {"link": "http://x/"}}
    roster = User.objects.convenors_of(forum)
    assert notify_each("safety_issue_raised", roster, **args) == 1
    assert notify_each("safety_issue_raised", roster, **args) == 0
    assert Notification.objects.count() == 1


def test_switched_off_people_and_kinds_turned_off_are_skipped(forum, member):
    gone = MembershipFactory(forum=forum, role=Role.MEMBER).user
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    quiet = MembershipFactory(forum=forum, role=Role.MEMBER).user
    NotificationPreference.objects.create(user=quiet, kind="meeting_minutes", delivery=Delivery.OFF)

    queued = notify_each(
        "meeting_minutes",
        [member, gone, quiet],
        forum=forum,
        key={"meeting": 1},
        context={"link": "http://x/"},
    )

    assert queued == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [member.pk]


def test_a_variant_picks_the_kinds_other_key(forum, leader):
    due = timezone.now() + datetime.timedelta(days=3)
    notify_each(
        "brief_reminder",
        [leader],
        variant="overdue",
        forum=forum,
        key={"brief": 5, "week": 2},
        context={},
        due_at=due,
    )
    row = Notification.objects.get()
    assert row.dedupe_key == f"brief_overdue:5:2:{leader.pk}"
    assert row.due_at == due


def test_every_kind_builds_its_keys_and_per_person_keys_differ_by_person():
    for kind in KINDS.values():
        assert kind.keys, f"{kind.key} has no dedupe key"
        for variant, template in kind.keys.items():
            fields = {name for _text, name, _spec, _conv in string.Formatter().parse(template)}
            parts = {name: 1 for name in fields if name}
            key = kind.dedupe_key(variant, **parts)
            assert len(key) <= 200
            if "person" in fields:
                assert key != kind.dedupe_key(variant, **{**parts, "person": 2})


def test_reminders_are_found_by_what_they_are_about_not_by_their_key(forum, member):
    other = ForumFactory()
    MembershipFactory(forum=other, user=member, status=Membership.Status.ACTIVE)
    later = timezone.now() + datetime.timedelta(days=2)
    for about in (forum, other):
        notify_each(
            "meeting_reminder",
            [member],
            forum=about,
            key={"meeting": about.pk, "label": "1d", "sequence": 0},
            context={},
            due_at=later,
            about=about,
        )

    mine = Notification.objects.about(forum)
    assert list(mine.values_list("forum", flat=True)) == [forum.pk]
    assert mine.not_yet_sent().count() == 1


def test_a_safety_alert_points_at_no_issue(forum, convenor, member):
    from issues.models import Issue
    from issues.services import alert_convenors
    from tests.factories import IssueFactory

    alert_convenors(IssueFactory(forum=forum, author=None, is_anonymous=True))

    assert Notification.objects.filter(kind="safety_issue_raised").exists()
    issue_type = ContentType.objects.get_for_model(Issue)
    assert not Notification.objects.filter(about_type=issue_type).exists()
