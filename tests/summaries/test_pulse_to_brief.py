"""Convenors cite a shown workload-pulse figure in a draft brief, never a folded group."""

import datetime

import pytest
from django.urls import reverse

from escalations.models import BriefFigure
from summaries import services
from summaries.services import PulseData
from tests.conftest import client_for
from tests.escalations.world import draft_brief, sent_brief
from tests.factories import MembershipFactory, ServiceAreaFactory

pytestmark = pytest.mark.django_db


def answers(forum, area, count, caseload, today):
    for _ in range(count):
        data = PulseData(
            caseload=caseload, extra_hours=5, admin_percent=50, wellbeing=3, service_area=area
        )
        user = MembershipFactory(forum=forum).user
        services.pulse_answer(forum=forum, actor=user, data=data, today=today)


@pytest.fixture
def pulse(forum):
    """Last month's answers, counted: two areas big enough to show; Youth justice and
    Adolescents fold into "Other"."""
    month = (services.pulse_month(forum) - datetime.timedelta(days=1)).replace(day=1)
    answers(forum, ServiceAreaFactory(forum=forum, name="Children and families"), 6, 29, month)
    answers(forum, ServiceAreaFactory(forum=forum, name="Fostering"), 6, 20, month)
    answers(forum, ServiceAreaFactory(forum=forum, name="Youth justice"), 2, 90, month)
    answers(forum, ServiceAreaFactory(forum=forum, name="Adolescents"), 3, 40, month)
    services.pulse_count_past_months()
    return month


def post(client, forum, **data):
    return client.post(reverse("summaries:pulse_to_brief", args=[forum.slug]), data, follow=True)


def cite_data(month, brief, group="Children and families", measure="caseload"):
    return {"month": month.isoformat(), "group": group, "measure": measure, "brief": brief.pk}


def page_results(client, forum) -> str:
    text = client.get(reverse("summaries:pulse", args=[forum.slug])).content.decode()
    return text.split('id="results"')[1]


def test_a_convenor_adds_a_shown_figure_to_a_draft_brief(forum, convenor, leader, pulse):
    brief = draft_brief(forum, convenor, leader)
    response = post(client_for(convenor), forum, **cite_data(pulse, brief))
    when = pulse.strftime("%B %Y")
    expected = f"Average caseload 29 in Children and families (6 answers, {when})"
    figure = BriefFigure.objects.get()
    assert (figure.brief, figure.text, figure.source) == (
        brief,
        expected,
        f"Workload pulse, {when}",
    )
    assert response.redirect_chain[-1][0] == reverse("summaries:pulse", args=[forum.slug])
    assert f"Added to brief {brief.reference}" in response.content.decode()


def test_the_forum_total_reads_as_across_the_forum(forum, convenor, leader, pulse):
    brief = draft_brief(forum, convenor, leader)
    post(client_for(convenor), forum, **cite_data(pulse, brief, group="Everyone"))
    assert BriefFigure.objects.get().text.startswith("Average caseload 34.9 across the forum (17")


def test_the_convenor_sees_the_form_with_shown_groups_and_draft_briefs_only(
    forum, convenor, leader, pulse
):
    draft = draft_brief(forum, convenor, leader)
    sent = sent_brief(forum, convenor, leader)
    results = page_results(client_for(convenor), forum)
    assert "Add to a brief" in results
    assert '<option value="Children and families">' in results
    assert '<option value="Everyone">' in results
    assert "Other (fewer than 5)" in results  # shown in the table...
    assert '<option value="Other' not in results  # ...but never offered
    assert "Youth justice" not in results
    assert "Adolescents" not in results
    assert f'<option value="{draft.pk}">' in results
    assert f'<option value="{sent.pk}">' not in results


def test_without_draft_briefs_the_page_says_so_instead_of_the_form(forum, convenor, pulse):
    results = page_results(client_for(convenor), forum)
    assert "There are no draft briefs in this forum" in results
    assert "Add to a brief" not in results


def test_members_see_no_add_control(forum, member, convenor, leader, pulse):
    draft_brief(forum, convenor, leader)
    results = page_results(client_for(member), forum)
    assert "Add to a brief" not in results
    assert "There are no draft briefs" not in results


@pytest.mark.parametrize("persona", ["member", "leader", "steward", "outsider"])
def test_only_convenors_can_add(request, forum, convenor, leader, pulse, persona):
    brief = draft_brief(forum, convenor, leader)
    client = client_for(request.getfixturevalue(persona))
    response = client.post(
        reverse("summaries:pulse_to_brief", args=[forum.slug]), cite_data(pulse, brief)
    )
    assert response.status_code == 404
    assert not BriefFigure.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"group": "Other (fewer than 5)"}, "Choose a figure shown in the results."),
        ({"group": "Youth justice"}, "Choose a figure shown in the results."),
        ({"group": "Adolescents"}, "Choose a figure shown in the results."),
        ({"group": ""}, "Choose a figure shown in the results."),
        ({"measure": "password"}, "Choose a figure shown in the results."),
        ({"month": "1999-01-01"}, "Choose a figure shown in the results."),
        ({"brief": "not-a-number"}, "Choose a draft brief of this forum."),
        ({"brief": ""}, "Choose a draft brief of this forum."),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
    forum, convenor, leader, pulse, change, message
):
    brief = draft_brief(forum, convenor, leader)
    response = post(client_for(convenor), forum, **(cite_data(pulse, brief) | change))
    assert message in response.content.decode()
    assert not BriefFigure.objects.exists()


def test_a_sent_brief_is_refused(forum, convenor, leader, pulse):
    brief = sent_brief(forum, convenor, leader)
    response = post(client_for(convenor), forum, **cite_data(pulse, brief))
    assert "Sent briefs cannot change." in response.content.decode()
    assert not BriefFigure.objects.exists()


def test_a_brief_of_another_forum_is_refused(forum, other_forum, convenor, leader, pulse):
    brief = draft_brief(other_forum, convenor, leader)
    response = post(client_for(convenor), forum, **cite_data(pulse, brief))
    assert "Choose a draft brief of this forum." in response.content.decode()
    assert not BriefFigure.objects.exists()
