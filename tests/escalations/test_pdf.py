"""The brief PDF: what a leader reads, what it may not fetch, and the evidence it counts."""

import subprocess
import tempfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations.forms import BriefForm
from escalations.pdf import (
    RefusingFetcher,
    allowed_images,
    render_brief_html,
    render_brief_pdf,
)
from escalations.services.briefs import brief_snapshot, brief_update
from escalations.services.evidence import theme_evidence
from issues.models import Support
from meetings.models import ThemeTally
from tests.escalations.world import draft_brief, escalated_theme, sent_brief
from tests.factories import MeetingFactory, UserFactory


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True, text=True
        ).stdout


def test_evidence_counts_issues_distinct_supporters_meetings_and_dots(forum):
    theme = escalated_theme(forum, issues=4, meetings=3)
    people = UserFactory.create_batch(3)
    for link in theme.theme_issues.all():
        for person in people[:2]:
            Support.objects.create(issue=link.issue, user=person)
    ThemeTally.objects.create(meeting=MeetingFactory(forum=forum), theme=theme, dots=7)
    with CaptureQueriesContext(connection) as queries:
        evidence = theme_evidence(theme)
    assert (evidence.issues, evidence.supporters, evidence.meetings, evidence.dots) == (4, 2, 3, 7)
    assert sum(row.issues for row in evidence.per_month) == 4
    assert len(queries) == 6


def test_a_brief_for_a_theme_with_100_issues_says_the_ask_figures_and_date(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader, issues=100)
    text = " ".join(pdf_text(bytes(brief.versions.get().pdf)).split())
    assert "Agree a caseload cap of 22 from April." in text
    assert "Issues raised 100" in text
    assert "Meetings it came up in 2" in text
    assert brief.response_by.strftime("%-d %B %Y") in text
    assert brief.reference in text
    assert "Page 1 of" in text


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="file:///etc/passwd">',
        '<img src="https://attacker.example/pixel.png">',
        "![x](file:///etc/passwd) <link rel=stylesheet href=file:///etc/passwd>",
    ],
)
def test_user_text_cannot_make_the_pdf_fetch_anything(forum, convenor, leader, hostile):
    brief = draft_brief(forum, convenor, leader)
    brief.problem = f"Caseloads are too high. {hostile}"
    brief.save()
    html = render_brief_html(brief_snapshot(brief, version=1, sent_at=brief.created_at))
    fetcher = RefusingFetcher(allowed_images(html))
    pdf = render_brief_pdf(html, fetcher=fetcher)
    assert "/etc/passwd" not in html and "attacker.example" not in html
    assert fetcher.refused == []
    assert len(fetcher.requested) == 1  # the chart, and nothing else
    assert fetcher.requested[0].startswith("data:image/svg+xml;base64,")
    text = pdf_text(pdf)
    assert "root:" not in text and "Caseloads are too high." in text


def test_the_fetcher_refuses_file_and_remote_urls():
    fetcher = RefusingFetcher({"data:image/svg+xml;base64,PHN2Zy8+"})
    for url in ("file:///etc/passwd", "https://attacker.example/x.png", "data:text/plain,hi"):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    assert fetcher.refused == [
        "file:///etc/passwd",
        "https://attacker.example/x.png",
        "data:text/plain,hi",
    ]


def test_quotes_never_carry_an_author_name(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    issues = [link.issue for link in brief.theme.theme_issues.select_related("issue__author")]
    form = BriefForm(
        {
            "title": brief.title,
            "ask": brief.ask,
            "problem": brief.problem,
            "response_by": brief.response_by.isoformat(),
            "recipients": [leader.pk],
            "quoted": [issue.pk for issue in issues],
        },
        forum=forum,
        theme=brief.theme,
    )
    assert form.is_valid(), form.errors
    brief_update(brief=brief, actor=convenor, data=form.data_for_service())
    html = render_brief_html(brief_snapshot(brief, version=1, sent_at=brief.created_at))
    assert brief.quotes.count() == len(issues)
    for issue in issues:
        assert issue.author.display_name not in html
        assert issue.author.email not in html


def test_markup_that_slipped_past_the_sanitiser_is_still_not_fetched():
    html = (
        '<html lang="en"><head><title>x</title></head><body><p>Visible</p>'
        '<img src="file:///etc/passwd" alt="">'
        '<img src="https://attacker.example/x.png" alt=""></body></html>'
    )
    fetcher = RefusingFetcher(set())
    text = pdf_text(render_brief_pdf(html, fetcher=fetcher))
    assert fetcher.refused == ["file:///etc/passwd", "https://attacker.example/x.png"]
    assert "Visible" in text and "root:" not in text
