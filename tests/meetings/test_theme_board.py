"""The grouping board's themes: names unique ignoring case, delete and merge refused while a
vote uses a theme, several issues moved at once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue, Status
from meetings import services
from meetings.models import Phase, Theme, ThemeIssue
from tests.conftest import client_for
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


# The board through the client


def board_url(forum, meeting):
    return reverse("meetings:group", args=[forum.slug, meeting.pk])


def move_url(forum, meeting):
    return reverse("meetings:issue_move", args=[forum.slug, meeting.pk])


def change_url(forum, meeting, theme):
    return reverse("meetings:theme_change", args=[forum.slug, meeting.pk, theme.pk])


def test_the_board_shows_a_column_per_theme_and_one_for_the_ungrouped(forum, convenor):
    meeting, themes = grouped_meeting(forum, convenor)
    IssueFactory(forum=forum, title="Loose one")
    page = client_for(convenor).get(board_url(forum, meeting)).content.decode()
    assert page.count('class="column drop-zone"') == 4
    assert 'id="ungrouped"' in page and "Loose one" in page
    # "Suggest themes" comes before the board.
    assert page.index("Suggest themes") < page.index('id="board"')


def test_the_board_loads_in_a_fixed_number_of_queries(forum, convenor, django_assert_num_queries):
    meeting, _themes = grouped_meeting(forum, convenor)
    client = client_for(convenor)
    client.get(board_url(forum, meeting))  # the session settles

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(board_url(forum, meeting)).status_code == 200
        return len(queries)

    small = count_queries()
    for n in range(6):
        theme = services.theme_create(meeting=meeting, actor=convenor, name=f"More {n}")
        for _ in range(3):
            issue = IssueFactory(forum=forum)
            services.issue_move(meeting=meeting, actor=convenor, issue=issue, theme=theme)
        IssueFactory(forum=forum)
    assert count_queries() == small
    with django_assert_num_queries(small):
        client.get(board_url(forum, meeting))


def test_a_move_by_htmx_redraws_only_the_two_columns_it_changed(forum, convenor):
    meeting, (caseloads, it, lone) = grouped_meeting(forum, convenor)
    issue = Issue.objects.get(theme_link__theme=caseloads)
    response = client_for(convenor).post(
        move_url(forum, meeting),
        {"issue": issue.pk, "theme": it.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="theme-{caseloads.pk}"' in body and f'id="theme-{it.pk}"' in body
    assert f'id="theme-{lone.pk}"' not in body and 'id="ungrouped"' not in body
    assert body.count('hx-swap-oob="true"') == 2
    assert "<html" not in body
    assert f"“{issue.title}” moved to “IT systems”." in body
    assert f'data-focus="move-{issue.pk}"' in body
    assert ThemeIssue.objects.get(issue=issue).theme == it


def test_ticked_issues_move_together_without_javascript(forum, convenor):
    meeting, (caseloads, it, lone) = grouped_meeting(forum, convenor)
    loose = IssueFactory(forum=forum)
    picked = [Issue.objects.get(theme_link__theme=caseloads).pk, loose.pk]
    client = client_for(convenor)
    response = client.post(move_url(forum, meeting), {"issue": picked, "theme": lone.pk})
    assert response.status_code == 302
    assert set(lone.theme_issues.values_list("issue_id", flat=True)) >= set(picked)
    page = client.get(response["Location"]).content.decode()
    assert "2 issues moved to “Lone working”." in page


def test_moving_with_nothing_ticked_says_what_to_do(forum, convenor):
    meeting, (caseloads, _it, _lone) = grouped_meeting(forum, convenor)
    response = client_for(convenor).post(
        move_url(forum, meeting), {"theme": caseloads.pk}, HTTP_HX_REQUEST="true"
    )
    assert "Tick the issues to move" in response.content.decode()


def test_a_repeated_name_is_refused_next_to_the_field_with_the_name_kept(forum, convenor):
    meeting, _themes = grouped_meeting(forum, convenor)
    url = reverse("meetings:theme_create", args=[forum.slug, meeting.pk])
    response = client_for(convenor).post(url, {"name": "it SYSTEMS"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is already a theme called “IT systems”" in page
    assert 'value="it SYSTEMS"' in page and 'aria-invalid="true"' in page
    assert Theme.objects.filter(forum=forum).count() == 3


def test_renaming_to_a_taken_name_shows_the_error_by_the_rename_field(forum, convenor):
    meeting, (caseloads, it, _lone) = grouped_meeting(forum, convenor)
    response = client_for(convenor).post(
        change_url(forum, meeting, it), {"action": "rename", "name": "caseloads"}
    )
    page = response.content.decode()
    assert f'aria-describedby="rename-{it.pk}-error"' in page
    assert f'id="rename-{it.pk}-error"' in page and "already a theme called" in page
    it.refresh_from_db()
    assert it.name == "IT systems"


def test_deleting_asks_first_then_deletes(forum, convenor):
    meeting, (caseloads, _it, _lone) = grouped_meeting(forum, convenor)
    client = client_for(convenor)
    asked = client.post(change_url(forum, meeting, caseloads), {"action": "delete"})
    assert asked.status_code == 200
    assert "Delete the theme “Caseloads”?" in asked.content.decode()
    assert Theme.objects.filter(pk=caseloads.pk).exists()
    done = client.post(
        change_url(forum, meeting, caseloads), {"action": "delete", "confirmed": "yes"}
    )
    assert done.status_code == 302
    assert not Theme.objects.filter(pk=caseloads.pk).exists()
    page = client.get(done["Location"]).content.decode()
    assert "“Caseloads” deleted. Its 1 issue is back under “Not in a theme yet”." in page


def test_deleting_a_theme_on_an_open_ballot_is_refused_with_a_clear_message(forum, convenor):
    meeting, (caseloads, _it, _lone) = grouped_meeting(forum, convenor)
    advance_to(meeting, convenor, Phase.VOTE)
    later = MeetingFactory(forum=forum)
    client = client_for(convenor)
    response = client.post(
        change_url(forum, later, caseloads), {"action": "delete", "confirmed": "yes"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "where voting is open, so it cannot be deleted" in page
    assert Theme.objects.filter(pk=caseloads.pk).exists()
