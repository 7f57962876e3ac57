"""The grouping board's themes: names unique ignoring case, delete and merge refused while a
vote uses a theme, several issues moved at once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from issues.models import Issue, Status
from meetings import services
from meetings.models import Phase, Theme, ThemeIssue
from tests.factories import IssueFactory, MeetingFactory
from tests.meetings.conftest import advance_to, grouped_meeting


def test_a_theme_name_used_already_is_refused_whatever_its_case(forum, convenor):
    meeting, _themes = grouped_meeting(forum, convenor)
    for name in ("Caseloads", "caseloads", "  CASELOADS "):
        with pytest.raises(ValidationError) as refused:
            services.theme_create(meeting=meeting, actor=convenor, name=name)
        assert "already a theme called “Caseloads”" in refused.value.message_dict["name"][0]
    assert Theme.objects.filter(forum=forum, name__iexact="caseloads").count() == 1


def test_renaming_onto_another_themes_name_is_refused_but_changing_case_is_not(forum, convenor):
    meeting, (caseloads, it, _lone) = grouped_meeting(forum, convenor)
    with pytest.raises(ValidationError, match="already a theme"):
        services.theme_rename(meeting=meeting, actor=convenor, theme=it, name="CASELOADS")
    services.theme_rename(meeting=meeting, actor=convenor, theme=caseloads, name="caseloads")
    caseloads.refresh_from_db()
    assert caseloads.name == "caseloads"


def test_the_database_refuses_a_second_theme_of_the_same_name(forum, convenor):
    grouped_meeting(forum, convenor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(forum=forum, name="IT SYSTEMS")


def test_a_merged_themes_name_is_free_again(forum, convenor):
    meeting, (caseloads, it, _lone) = grouped_meeting(forum, convenor)
    services.theme_merge(meeting=meeting, actor=convenor, source=it, target=caseloads)
    again = services.theme_create(meeting=meeting, actor=convenor, name="IT systems")
    assert again.pk != it.pk


def test_deleting_a_theme_puts_its_issues_back_among_the_ungrouped(forum, convenor):
    meeting, (caseloads, _it, _lone) = grouped_meeting(forum, convenor)
    issue = Issue.objects.get(theme_link__theme=caseloads)
    assert services.theme_delete(meeting=meeting, actor=convenor, theme=caseloads) == 1
    assert not Theme.objects.filter(pk=caseloads.pk).exists()
    issue.refresh_from_db()
    assert issue.status == Status.ON_AGENDA
    assert not ThemeIssue.objects.filter(issue=issue).exists()


def test_a_theme_on_an_open_ballot_cannot_be_deleted_or_merged(forum, convenor):
    meeting, (caseloads, it, _lone) = grouped_meeting(forum, convenor)
    advance_to(meeting, convenor, Phase.VOTE)
    later = MeetingFactory(forum=forum)
    for attempt in (
        lambda: services.theme_delete(meeting=later, actor=convenor, theme=caseloads),
        lambda: services.theme_merge(meeting=later, actor=convenor, source=it, target=caseloads),
    ):
        with pytest.raises(ValidationError, match="where voting is open"):
            attempt()
    assert Theme.objects.filter(pk=caseloads.pk, merged_into=None).exists()


def test_a_theme_voted_on_stays_on_the_record(forum, convenor):
    meeting, (caseloads, _it, _lone) = grouped_meeting(forum, convenor)
    meeting = advance_to(meeting, convenor, Phase.DECIDE)
    later = MeetingFactory(forum=forum)
    with pytest.raises(ValidationError, match="stays on the record"):
        services.theme_delete(meeting=later, actor=convenor, theme=caseloads)


def test_several_issues_move_at_once_and_their_old_themes_are_named(forum, convenor):
    meeting, (caseloads, it, lone) = grouped_meeting(forum, convenor)
    loose = IssueFactory(forum=forum, title="Not grouped yet")
    issues = [Issue.objects.get(theme_link__theme=it), loose]
    came_from = services.issues_move(meeting=meeting, actor=convenor, issues=issues, theme=lone)
    assert came_from == [it.pk, None]
    assert lone.theme_issues.count() == 3
    loose.refresh_from_db()
    assert loose.status == Status.IN_THEME


def test_moving_nothing_is_refused(forum, convenor):
    meeting, (caseloads, _it, _lone) = grouped_meeting(forum, convenor)
    with pytest.raises(ValidationError, match="Tick at least one"):
        services.issues_move(meeting=meeting, actor=convenor, issues=[], theme=caseloads)
