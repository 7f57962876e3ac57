"""The steward's summary carries "You said, we did": the ask, the answer, the commitments
done and whether members say it made a difference."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from escalations.models import Commitment, DifferenceTally, Response
from escalations.services import briefs as services
from summaries.exports import export_tables
from summaries.report import summary_html
from tests.escalations.world import sent_brief

pytestmark = pytest.mark.django_db


def test_the_summary_says_what_was_asked_answered_done_and_whether_it_helped(
    forum, convenor, leader
):
    with mock.patch(
        "escalations.services.briefs.render_brief_pdf", return_value=b"%PDF-1.7 stand-in"
    ):
        brief = sent_brief(forum, convenor, leader)
    services.brief_respond(
        brief=brief, actor=leader, position=Response.Position.ACCEPT, reasons="Cap from April."
    )
    for what in ("Set the cap", "Recruit two posts"):
        services.commitment_add(
            brief=brief, actor=leader, what=what, owner="Head of Service", due_on=brief.response_by
        )
    first = brief.commitments.order_by("pk").first()
    services.commitment_update(commitment=first, actor=leader, status=Commitment.Status.DONE)
    DifferenceTally.objects.create(brief=brief, answer="yes", count=7)
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=30), today

    tables = export_tables([forum], start, end)
    (row,) = tables["you_said_we_did"]
    assert row == (
        forum.name,
        brief.reference,
        brief.ask,
        "Accept",
        "Cap from April.",
        1,
        2,
        "Yes, it made a difference: 7",
    )
    html = summary_html([forum], start, end, tables)
    section = html.split("You said, we did", 1)[1]
    assert brief.ask in section and "Cap from April." in section and "1 of 2" in section
