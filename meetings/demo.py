"""Demo meetings: last month's, closed with themes, votes, decisions and minutes; yesterday's
extra meeting, still open for votes from anywhere; and the next."""

from collections import Counter
from datetime import datetime, time, timedelta

from django.utils import timezone

from forum_app.models import Forum, Role, User
from issues.models import Issue
from meetings import services
from meetings.models import Meeting, Minutes, Outcome, Phase, Theme, ThemeIssue
from meetings.services.schedule import next_meeting_times


def _people(forum: Forum, role: str) -> list[User]:
    return list(User.objects.active_in(forum, role).order_by("email"))


def _first_tuesday_last_month(forum: Forum) -> datetime:
    today = timezone.localdate(timezone=forum.tzinfo)
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    tuesday = first + timedelta(days=(1 - first.weekday()) % 7)
    return datetime.combine(tuesday, time(12, 30), tzinfo=forum.tzinfo)


def seed_meetings(forum: Forum) -> int:
    """Create the demo meetings once; returns how many were added."""
    if Meeting.objects.in_forum(forum).exists():
        return 0
    convenors, leaders = _people(forum, Role.CONVENOR), _people(forum, Role.LEADER)
    members = _people(forum, Role.MEMBER)
    if not convenors:
        return 0
    convenor = convenors[0]
    start = _first_tuesday_last_month(forum)
    past = Meeting.objects.create(
        forum=forum,
        title="Forum meeting, last month",
        starts_at=start,
        ends_at=start + timedelta(hours=1, minutes=30),
        place="Committee Room 3, Civic Centre",
        video_link="https://meet.example/childrens-forum",
        scheduled_by=convenor,
    )
    past = services.meeting_advance(meeting=past, actor=convenor, expected=Phase.SCHEDULED)
    past = services.meeting_advance(meeting=past, actor=convenor, expected=Phase.REVIEW)
    issues = list(Issue.objects.in_forum(forum).open().select_related("category")[:40])
    by_category = Counter(issue.category.name for issue in issues)
    themes = []
    for name, _count in by_category.most_common(3):
        theme = services.theme_create(meeting=past, actor=convenor, name=name)
        for issue in [i for i in issues if i.category.name == name][:4]:
            services.issue_move(meeting=past, actor=convenor, issue=issue, theme=theme)
        themes.append(theme)
    if not themes:
        return 1
    past = services.meeting_advance(meeting=past, actor=convenor, expected=Phase.GROUP)
    voters = [convenor, *members[:9]]
    for index, voter in enumerate(voters):
        services.meeting_attend(meeting=past, user=voter)
        ballot = {themes[0].pk: 3, themes[index % len(themes)].pk: 2}
        if len(themes) > 1 and index % len(themes) == 0:
            ballot = {themes[0].pk: 3, themes[1].pk: 2}
        services.ballot_cast(meeting=past, voter=voter, allocations=ballot)
    past = services.meeting_advance(meeting=past, actor=convenor, expected=Phase.VOTE)
    top = services.results(past)
    if leaders:
        services.decision_record(
            meeting=past,
            actor=convenor,
            theme=top[0].theme,
            data=services.DecisionData(
                outcome=Outcome.ESCALATE,
                problem_statement=(
                    f"“{top[0].theme.name}” came up in issue after issue: practitioners say it "
                    "stops them visiting children as often as they should."
                ),
                proposed_solution="Agree a practical fix with the teams affected, within a month.",
                ask="Meet the forum's convenor and agree a plan with dates by the response date.",
                leader=leaders[0],
                response_by=timezone.localdate() + timedelta(days=21),
                owner="Convenor drafts the escalation brief",
            ),
        )
    for result in top[1:]:
        services.decision_record(
            meeting=past,
            actor=convenor,
            theme=result.theme,
            data=services.DecisionData(
                outcome=Outcome.MONITOR, notes="Back on the agenda next month."
            ),
        )
    services.meeting_close(meeting=past, actor=convenor)
    Minutes.objects.filter(meeting=past).update(published_at=timezone.now())

    _voting_now(forum, convenor, members)

    upcoming = past
    next_start, next_end = next_meeting_times(upcoming)
    while next_start < timezone.now() + timedelta(days=1):
        upcoming = Meeting(forum=forum, starts_at=next_start, ends_at=next_end)
        next_start, next_end = next_meeting_times(upcoming)
    services.meeting_schedule(
        forum=forum,
        actor=convenor,
        data=services.MeetingData(
            title=f"Forum meeting, {timezone.localtime(next_start, forum.tzinfo):%B %Y}",
            starts_at=next_start,
            ends_at=next_end,
            place="Committee Room 3, Civic Centre",
            video_link="https://meet.example/childrens-forum",
        ),
    )
    return 3


def _voting_now(forum: Forum, convenor: User, members: list[User]) -> None:
    """Yesterday's extra meeting: grouped and voted on by a few, voting still open.

    The first demo member has not voted, so they can vote from a phone without having been
    there, as members who missed a meeting do.
    """
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    meeting = Meeting.objects.create(
        forum=forum,
        title="Extra forum meeting, yesterday",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Online only",
        scheduled_by=convenor,
    )
    meeting = services.meeting_advance(meeting=meeting, actor=convenor, expected=Phase.SCHEDULED)
    meeting = services.meeting_advance(meeting=meeting, actor=convenor, expected=Phase.REVIEW)
    grouped = ThemeIssue.objects.values("issue")
    issues = list(
        Issue.objects.in_forum(forum).open().exclude(pk__in=grouped).select_related("category")
    )
    taken = {name.lower() for name in Theme.objects.in_forum(forum).values_list("name", flat=True)}
    counts = Counter(i.category.name for i in issues if i.category.name.lower() not in taken)
    for name, _count in counts.most_common(3):
        theme = services.theme_create(meeting=meeting, actor=convenor, name=name)
        for issue in [i for i in issues if i.category.name == name][:4]:
            services.issue_move(meeting=meeting, actor=convenor, issue=issue, theme=theme)
    if not meeting.meeting_themes.exists():
        return
    meeting = services.meeting_advance(meeting=meeting, actor=convenor, expected=Phase.GROUP)
    themes = [mt.theme_id for mt in meeting.meeting_themes.all()]
    for index, voter in enumerate([convenor, *members[1:5]]):
        ballot = {themes[index % len(themes)]: 3, themes[(index + 1) % len(themes)]: 2}
        if len(themes) == 1:
            ballot = {themes[0]: min(3, meeting.max_dots_per_theme)}
        services.ballot_cast(meeting=meeting, voter=voter, allocations=ballot)
