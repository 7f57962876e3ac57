"""Phases, grouping, suggestions, decisions, closing and minutes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forum_app.models import Notification
from issues.models import Issue, Status
from meetings import services
from meetings.models import (
    Attendance,
    Decision,
    MeetingTheme,
    Minutes,
    Outcome,
    Phase,
    Theme,
    ThemeIssue,
    ThemeStatus,
)
from tests.factories import IssueFactory, MeetingFactory
from tests.meetings.conftest import advance_to, grouped_meeting

pytestmark = pytest.mark.django_db


def test_only_convenors_move_the_meeting_on(forum, member, convenor):
    meeting = MeetingFactory(forum=forum)
    with pytest.raises(ValidationError, match="Only a convenor"):
        services.meeting_advance(meeting=meeting, actor=member, expected=Phase.SCHEDULED)
    meeting = services.meeting_advance(meeting=meeting, actor=convenor, expected=Phase.SCHEDULED)
    assert meeting.phase == Phase.REVIEW


def test_a_stale_phase_button_changes_nothing(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    with pytest.raises(ValidationError, match="already moved on"):
        services.meeting_advance(meeting=meeting, actor=convenor, expected=Phase.REVIEW)
    meeting.refresh_from_db()
    assert meeting.phase == Phase.GROUP


def test_voting_needs_a_theme(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    with pytest.raises(ValidationError, match="at least one issue into a theme"):
        services.meeting_advance(meeting=meeting, actor=convenor, expected=Phase.GROUP)


def test_going_back_from_voting_is_refused_once_someone_voted(voting, member, convenor):
    services.ballot_cast(meeting=voting.meeting, voter=member, allocations={voting.themes[0].pk: 1})
    with pytest.raises(ValidationError, match="already voted"):
        services.meeting_step_back(meeting=voting.meeting, actor=convenor, expected=Phase.VOTE)


def test_going_back_from_voting_before_anyone_votes(voting, convenor):
    meeting = services.meeting_step_back(
        meeting=voting.meeting, actor=convenor, expected=Phase.VOTE
    )
    assert meeting.phase == Phase.GROUP
    assert not meeting.tallies.exists()


def test_starting_puts_new_issues_on_the_agenda_and_carries_themes_over(forum, convenor):
    issue = IssueFactory(forum=forum)
    parked = Theme.objects.create(forum=forum, name="Parking permits", status=ThemeStatus.PARKED)
    resolved = Theme.objects.create(forum=forum, name="Old rota", status=ThemeStatus.RESOLVED)
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.REVIEW)
    issue.refresh_from_db()
    assert issue.status == Status.ON_AGENDA
    on_list = set(MeetingTheme.objects.filter(meeting=meeting).values_list("theme", flat=True))
    assert parked.pk in on_list and resolved.pk not in on_list


def test_attending_counts_once_and_only_while_running(forum, convenor, member, leader):
    meeting = MeetingFactory(forum=forum)
    assert not services.meeting_attend(meeting=meeting, user=member)
    meeting = advance_to(meeting, convenor, Phase.REVIEW)
    assert services.meeting_attend(meeting=meeting, user=member)
    assert not services.meeting_attend(meeting=meeting, user=member)
    assert not services.meeting_attend(meeting=meeting, user=leader)
    assert Attendance.objects.filter(meeting=meeting).count() == 1


def test_moving_an_issue_into_a_theme_marks_it_in_a_theme(forum, convenor):
    meeting, themes = grouped_meeting(forum, convenor)
    issue = Issue.objects.get(theme_link__theme=themes[0])
    assert issue.status == Status.IN_THEME
    services.issue_move(meeting=meeting, actor=convenor, issue=issue, theme=themes[1])
    assert ThemeIssue.objects.get(issue=issue).theme == themes[1]
    services.issue_move(meeting=meeting, actor=convenor, issue=issue, theme=None)
    issue.refresh_from_db()
    assert issue.status == Status.ON_AGENDA
    assert not ThemeIssue.objects.filter(issue=issue).exists()


def test_an_issue_of_another_forum_cannot_be_grouped(forum, other_forum, convenor):
    meeting, themes = grouped_meeting(forum, convenor)
    stranger = IssueFactory(forum=other_forum)
    with pytest.raises(ValidationError, match="open issues of this forum"):
        services.issue_move(meeting=meeting, actor=convenor, issue=stranger, theme=themes[0])


def test_merge_keeps_the_old_theme_as_a_trace_and_moves_its_issues(forum, convenor):
    meeting, (a, b, _c) = grouped_meeting(forum, convenor)
    services.theme_merge(meeting=meeting, actor=convenor, source=a, target=b)
    a.refresh_from_db()
    assert a.merged_into == b
    assert b.theme_issues.count() == 2
    assert not MeetingTheme.objects.filter(meeting=meeting, theme=a).exists()


def test_split_moves_the_chosen_issues_into_a_new_theme(forum, convenor):
    meeting, (a, b, _c) = grouped_meeting(forum, convenor)
    services.theme_merge(meeting=meeting, actor=convenor, source=b, target=a)
    chosen = [a.theme_issues.order_by("pk").first().issue]
    new = services.theme_split(
        meeting=meeting, actor=convenor, theme=a, name="IT again", issues=chosen
    )
    assert [link.issue for link in new.theme_issues.all()] == chosen
    assert a.theme_issues.count() == 1


def test_rename_marks_the_name_as_a_persons(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    theme = services.theme_create(
        meeting=meeting, actor=convenor, name="Machine words", named_by_person=False
    )
    services.theme_rename(meeting=meeting, actor=convenor, theme=theme, name="  Caseload   caps ")
    theme.refresh_from_db()
    assert (theme.name, theme.named_by_person) == ("Caseload caps", True)


def test_themes_cannot_change_once_voting_is_open(voting, convenor):
    with pytest.raises(ValidationError, match="before voting starts"):
        services.theme_create(meeting=voting.meeting, actor=convenor, name="Late")


def similar_issues(forum):
    texts = [
        ("Caseloads too high to visit", "caseload allocation visits weekly caseload"),
        ("Caseload allocation unfair", "caseload allocation unfair caseload numbers"),
        ("Laptops crash during visits", "laptop crashes recording system laptops"),
        ("Laptop battery dies", "laptop battery recording system laptops crash"),
    ]
    return [IssueFactory(forum=forum, title=t, body=b, proposed_solution="") for t, b in texts]


def test_suggestions_can_be_accepted_and_undone_in_one_go(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    issues = similar_issues(forum)
    batch = services.suggestion_create(meeting=meeting, actor=convenor)
    items = list(batch.items.all())
    assert {item.issue_id for item in items} == {i.pk for i in issues}
    assert all(item.reason for item in items)
    services.suggestion_decide_all(batch=batch, actor=convenor, accept=True)
    assert ThemeIssue.objects.count() == 4
    created = set(ThemeIssue.objects.values_list("theme", flat=True))
    groups = {
        frozenset(ThemeIssue.objects.filter(theme=t).values_list("issue", flat=True))
        for t in created
    }
    assert frozenset({issues[0].pk, issues[1].pk}) in groups
    assert not Theme.objects.get(pk=next(iter(created))).named_by_person

    moved_back = services.suggestion_undo(batch=batch, actor=convenor)
    assert moved_back == 4
    assert not ThemeIssue.objects.exists()
    assert not Theme.objects.filter(pk__in=created).exists()
    assert set(Issue.objects.values_list("status", flat=True)) == {Status.NEW}


def test_a_suggestion_into_an_existing_theme_and_a_rejection(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    issues = similar_issues(forum)
    laptops = services.theme_create(meeting=meeting, actor=convenor, name="Laptops")
    services.issue_move(meeting=meeting, actor=convenor, issue=issues[2], theme=laptops)
    batch = services.suggestion_create(meeting=meeting, actor=convenor)
    item = batch.items.get(issue=issues[3])
    assert item.theme == laptops
    services.suggestion_decide(item=item, actor=convenor, accept=True)
    assert ThemeIssue.objects.get(issue=issues[3]).theme == laptops
    other = batch.items.get(issue=issues[0])
    services.suggestion_decide(item=other, actor=convenor, accept=False)
    assert not ThemeIssue.objects.filter(issue=issues[0]).exists()
    with pytest.raises(ValidationError, match="already been answered"):
        services.suggestion_decide(item=other, actor=convenor, accept=True)


def decide_phase(forum, convenor, member):
    meeting, themes = grouped_meeting(forum, convenor)
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    services.meeting_attend(meeting=meeting, user=member)
    services.ballot_cast(meeting=meeting, voter=member, allocations={themes[0].pk: 3})
    return advance_to(meeting, convenor, Phase.DECIDE), themes


def test_an_escalation_needs_a_leader_an_ask_and_a_future_date(forum, convenor, member):
    meeting, themes = decide_phase(forum, convenor, member)
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            meeting=meeting,
            actor=convenor,
            theme=themes[0],
            data=services.DecisionData(outcome=Outcome.ESCALATE),
        )
    assert set(error.value.message_dict) == {"problem_statement", "ask", "leader", "response_by"}
    assert not Decision.objects.exists()


def test_an_escalation_cannot_name_a_member_as_the_leader(forum, convenor, member):
    meeting, themes = decide_phase(forum, convenor, member)
    data = services.DecisionData(
        outcome=Outcome.ESCALATE,
        problem_statement="Caseloads",
        ask="Cap them",
        leader=member,
        response_by=timezone.localdate() + timedelta(days=28),
    )
    with pytest.raises(ValidationError, match="senior leaders"):
        services.decision_record(meeting=meeting, actor=convenor, theme=themes[0], data=data)


def test_closing_applies_decisions_and_drafts_minutes(forum, convenor, member, leader):
    meeting, themes = decide_phase(forum, convenor, member)
    services.decision_record(
        meeting=meeting,
        actor=convenor,
        theme=themes[0],
        data=services.DecisionData(
            outcome=Outcome.ESCALATE,
            problem_statement="Caseloads are above 30.",
            ask="Fund two more posts.",
            leader=leader,
            response_by=timezone.localdate() + timedelta(days=28),
            owner="Convenor drafts the brief",
        ),
    )
    services.decision_record(
        meeting=meeting,
        actor=convenor,
        theme=themes[1],
        data=services.DecisionData(outcome=Outcome.PARK, notes="Revisit in spring."),
    )
    minutes = services.meeting_close(meeting=meeting, actor=convenor)
    themes[0].refresh_from_db()
    themes[1].refresh_from_db()
    assert (themes[0].status, themes[1].status) == (ThemeStatus.ESCALATED, ThemeStatus.PARKED)
    issue = Issue.objects.get(theme_link__theme=themes[0])
    assert issue.status == Status.ESCALATED
    body = minutes.body
    assert "1 person attended." in body
    assert "**Caseloads**: 3 dots" in body
    assert "Fund two more posts." in body
    assert "Convenor drafts the brief" in body
    assert member.display_name not in body and member.email not in body


def test_publishing_minutes_emails_members_once(forum, convenor, member):
    meeting, _themes = decide_phase(forum, convenor, member)
    minutes = services.meeting_close(meeting=meeting, actor=convenor)
    services.minutes_update(minutes=minutes, actor=convenor, body="## Edited\n\nAll good.")
    services.minutes_publish(minutes=minutes, actor=convenor)
    sent = Notification.objects.filter(kind="meeting_minutes")
    assert set(sent.values_list("email", flat=True)) == {member.email, convenor.email}
    with pytest.raises(ValidationError, match="already published"):
        services.minutes_publish(minutes=minutes, actor=convenor)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.minutes_update(minutes=minutes, actor=convenor, body="Rewritten")
    assert Minutes.objects.get(pk=minutes.pk).body == "## Edited\n\nAll good."
