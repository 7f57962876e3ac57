"""'You said, we did': every escalation with its answer, commitments and difference."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalations.models import Brief, BriefStatus, DifferenceTally, Response
from escalations.services import briefs as services
from tests.conftest import client_for
from tests.escalations.world import draft_brief, sent_brief

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_pdfs():
    with mock.patch(
        "escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7 stand-in"
    ):
        yield


def answered_brief(forum, convenor, leader, *, reasons: str, what: str) -> Brief:
    brief = sent_brief(forum, convenor, leader, issues=1, meetings=1)
    services.brief_respond(
        brief=brief, actor=leader, position=Response.Position.ACCEPT, reasons=reasons
    )
    services.commitment_add(
        brief=brief,
        actor=leader,
        what=what,
        owner="Head of Service",
        due_on=datetime.date(2027, 4, 1),
    )
    brief.refresh_from_db()
    return brief


def page(client, forum, **filters):
    url = reverse("forum_briefs:you_said_we_did", args=[forum.slug])
    return client.get(url, filters)


def test_members_see_each_ask_answer_commitment_and_difference(forum, member, convenor, leader):
    brief = answered_brief(
        forum, convenor, leader, reasons="Agreed from April.", what="Recruit two posts"
    )
    DifferenceTally.objects.create(brief=brief, answer="yes", count=6)
    draft_brief(forum, convenor, leader)  # drafts are not escalations yet
    text = page(client_for(member), forum).content.decode()
    assert brief.ask in text and "Agreed from April." in text
    assert "Recruit two posts" in text and "Head of Service" in text and "1 Apr 2027" in text
    assert "Yes, it made a difference: 6" in text
    assert "1 escalation" in text


def test_filters_by_status_and_year(forum, member, convenor, leader):
    first = answered_brief(forum, convenor, leader, reasons="Yes.", what="First thing")
    second = answered_brief(forum, convenor, leader, reasons="Yes.", what="Second thing")
    services.brief_set_status(brief=second, actor=convenor, status=BriefStatus.RESOLVED)
    Brief.objects.filter(pk=first.pk).update(sent_at=first.sent_at.replace(year=2025))
    client = client_for(member)
    resolved = page(client, forum, status=BriefStatus.RESOLVED).content.decode()
    assert "Second thing" in resolved and "First thing" not in resolved
    older = page(client, forum, year=2025).content.decode()
    assert "First thing" in older and "Second thing" not in older
    assert page(client, forum, year="not a year").status_code == 200


def test_the_page_loads_in_a_fixed_number_of_queries(forum, member, convenor, leader):
    client = client_for(member)
    answered_brief(forum, convenor, leader, reasons="Yes.", what="One")
    with CaptureQueriesContext(connection) as one:
        page(client, forum)
    for n in range(3):
        brief = answered_brief(forum, convenor, leader, reasons="Yes.", what=f"More {n}")
        DifferenceTally.objects.create(brief=brief, answer="no", count=5)
    with CaptureQueriesContext(connection) as four:
        response = page(client, forum)
    assert "4 escalations" in response.content.decode()
    assert len(four) == len(one)


@pytest.mark.parametrize("persona", ["outsider", "leader", "steward"])
def test_people_outside_the_membership_get_not_found(request, forum, persona):
    person = request.getfixturevalue(persona)
    assert page(client_for(person), forum).status_code == 404
