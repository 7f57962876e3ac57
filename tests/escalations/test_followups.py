"""Reminders, overdue notices and the ladder, with time travel: each message goes once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from escalations.models import BriefEvent, Commitment, EscalationSettings, LadderRung
from escalations.services import briefs as services
from escalations.services.followups import followups_sweep
from forum_app.models import Notification, Role
from tests.escalations.world import sent_brief
from tests.factories import MembershipFactory


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)


def keys(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("dedupe_key", flat=True))


def test_reminders_before_and_on_the_date_are_held_back_until_due(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    reminders = Notification.objects.filter(kind="brief_reminder", recipient=leader)
    due = sorted(reminders.values_list("due_at", flat=True))
    assert [d.date() for d in due] == [
        brief.response_by - datetime.timedelta(days=7),
        brief.response_by,
    ]
    assert all(row.status == Notification.Status.PENDING for row in reminders)


def test_the_full_ladder_sends_each_message_once(forum, convenor, leader):
    director = MembershipFactory(forum=forum, role=Role.LEADER).user
    LadderRung.objects.create(forum=forum, leader=leader, position=1)
    LadderRung.objects.create(forum=forum, leader=director, position=2)
    EscalationSettings.objects.create(forum=forum, reminders_before_moving_up=2)
    brief = sent_brief(forum, convenor, leader)
    due = brief.response_by

    for days in range(0, 29):  # every day for four weeks past the date, twice a day
        followups_sweep(now=at(due + datetime.timedelta(days=days)))
        followups_sweep(now=at(due + datetime.timedelta(days=days)))

    overdue = keys("brief_reminder")
    weekly = [k for k in overdue if k.startswith("brief_overdue:")]
    # Weeks 1 and 2: reminders to the first leader; week 3: moved up; week 4: both reminded.
    assert weekly == sorted(
        [
            f"brief_overdue:{brief.pk}:1:{leader.pk}",
            f"brief_overdue:{brief.pk}:2:{leader.pk}",
            f"brief_overdue:{brief.pk}:4:{leader.pk}",
            f"brief_overdue:{brief.pk}:4:{director.pk}",
        ]
    )
    assert len([k for k in overdue if k.startswith("brief_due:")]) == 2
    assert keys("brief_moved_up") == [f"brief_up:{brief.pk}:3:{convenor.pk}"]
    assert Notification.objects.filter(kind="brief_sent", recipient=director).count() == 1
    assert set(brief.recipients.all()) == {leader, director}
    events = list(brief.events.values_list("kind", flat=True))
    assert events.count(BriefEvent.Kind.MOVED_UP) == 1
    assert events.count(BriefEvent.Kind.REMINDER) == 3


def test_no_overdue_reminders_once_the_leader_responds(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    services.brief_respond(brief=brief, actor=leader, position="accept", reasons="Agreed.")
    followups_sweep(now=at(brief.response_by + datetime.timedelta(days=30)))
    assert not Notification.objects.filter(kind="brief_reminder").exists()


def test_commitments_get_a_reminder_before_and_a_request_for_an_update_after(
    forum, convenor, leader
):
    brief = sent_brief(forum, convenor, leader)
    due = timezone.localdate() + datetime.timedelta(days=20)
    commitment = services.commitment_add(
        brief=brief, actor=leader, what="Fund two posts", owner="Director", due_on=due
    )
    for days in (-10, -5, -5, -1, 1, 2, 9):
        followups_sweep(now=at(due + datetime.timedelta(days=days)))
    assert keys("commitment_reminder") == sorted(
        [f"commitment_soon:{commitment.pk}:{due}", f"commitment_update:{commitment.pk}:{due}"]
    )
    assert keys("commitment_overdue") == [f"commitment_overdue:{commitment.pk}:{due}:{convenor.pk}"]


def test_overdue_briefs_and_commitments_are_listed_for_the_next_agenda(forum, convenor, leader):
    waiting = sent_brief(forum, convenor, leader)
    brief = sent_brief(forum, convenor, leader)
    later = brief.response_by + datetime.timedelta(days=1)
    assert list(type(brief).objects.overdue(forum, today=brief.response_by)) == []
    commitment = services.commitment_add(
        brief=brief,
        actor=leader,
        what="Review",
        owner="Head of Service",
        due_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert list(type(brief).objects.overdue(forum, today=later)) == [waiting]
    assert list(Commitment.objects.overdue(forum, today=later)) == [commitment]
    commitment.status = Commitment.Status.DONE
    commitment.save()
    assert list(Commitment.objects.overdue(forum, today=later)) == []


def test_the_daily_sweep_task_is_scheduled():
    from forum_app.celery import app

    entry = app.conf.beat_schedule["followups-sweep"]
    assert entry["task"] == "escalations.tasks.sweep_followups"


def test_did_it_make_a_difference_counts_one_answer_per_member_without_names(
    forum, convenor, leader, member
):
    from escalations.models import DifferenceReceipt, DifferenceTally

    brief = sent_brief(forum, convenor, leader)
    with pytest.raises(ValidationError):
        services.difference_answer(brief=brief, actor=member, answer="yes")
    services.brief_set_status(brief=brief, actor=convenor, status="resolved")
    assert services.difference_answer(brief=brief, actor=member, answer="yes") is True
    assert services.difference_answer(brief=brief, actor=member, answer="no") is False
    assert DifferenceReceipt.objects.filter(user=member).count() == 1
    assert {f.name for f in DifferenceTally._meta.fields} == {"id", "brief", "answer", "count"}


def test_difference_answers_are_counted_only_in_groups_of_k(forum, convenor, leader, member):
    from escalations.models import DifferenceTally

    brief = sent_brief(forum, convenor, leader)
    services.brief_set_status(brief=brief, actor=convenor, status="resolved")
    answers = ["yes", "no", "yes", "a_little", "yes", "no", "no"]
    people = [member] + [MembershipFactory(forum=forum).user for _ in answers[1:]]
    seen = []
    for person, answer in zip(people, answers, strict=True):
        services.difference_answer(brief=brief, actor=person, answer=answer)
        seen.append(sum(DifferenceTally.objects.values_list("count", flat=True)))
    assert forum.k_anonymity == 5
    assert seen == [0, 0, 0, 0, 5, 5, 5]
    assert dict(DifferenceTally.objects.values_list("answer", "count")) == {
        "yes": 3,
        "no": 1,
        "a_little": 1,
    }
    assert services.difference_waiting(brief) == 2
