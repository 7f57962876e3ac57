"""Every PDF the forum makes is a tagged PDF/UA-1 document that a screen reader can use.

Each kind (the escalation brief, the minutes, the steward's summary report) is made through
the path people use: a brief is sent, a member downloads the minutes, a steward asks for an
export and downloads it. Each file is then checked twice:

- by ``pdfua``, the machine-checkable part of PDF/UA-1 (tagged, language, title, figure
  alternative text, table structure, content outside the tags), failing on any error or
  warning;
- by walking its structure tree with ``pikepdf``, for what that check lets pass: every table
  header cell says which cells it describes (``/Scope``), every figure has ``/Alt``, the
  headings are there in the order of the HTML with no level skipped, each chart is followed
  by its data table, and the words a chart puts in the text layer are whole words.
"""

import base64
import datetime
import html.parser
import io
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pdfua
import pikepdf
import pytest
import weasyprint
from django.urls import reverse
from django.utils import timezone

from escalations import pdf as brief_pdf
from escalations.models import Commitment, Response
from escalations.services import briefs
from meetings import pdf as minutes_pdf
from meetings import services as meetings
from meetings.models import Attendance, Outcome
from summaries import report
from tests.conftest import client_for
from tests.escalations.world import draft_brief
from tests.factories import (
    CategoryFactory,
    DecisionFactory,
    IssueFactory,
    MeetingFactory,
    ServiceAreaFactory,
    ThemeFactory,
)
from tests.meetings.test_pages import closed_meeting
from tests.summaries.test_exports import download

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
TODAY = timezone.localdate()
# pdfua rules that cannot run on these files, each with the reason and what holds it instead.
KNOWN_SKIPS = {
    # pdfua 0.1.3 asks a pikepdf 10 array for an attribute and stops on the ValueError.
    # The heading checks below (present, not empty, in order, no level skipped) hold it.
    "UA-14-001": "rule raised ValueError",
}
SCOPES = {"/Row", "/Column", "/Both"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def handed_to_weasyprint(monkeypatch) -> list[str]:
    """The HTML of every document given to WeasyPrint, to compare with the PDF's tags."""
    documents: list[str] = []

    class Recording(weasyprint.HTML):
        def __init__(self, *args, string=None, **kwargs) -> None:
            documents.append(string)
            super().__init__(*args, string=string, **kwargs)

    for module in (brief_pdf, minutes_pdf, report):
        monkeypatch.setattr(module, "HTML", Recording)
    return documents


# Reading the files ----------------------------------------------------------------------------


class HtmlOutline(html.parser.HTMLParser):
    """The headings and chart images of the HTML a PDF was made from, in order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.charts: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append("/" + tag.upper())
        elif tag == "img":
            self.charts.append(dict(attrs)["src"])


def attribute(element: pikepdf.Dictionary, name: str):
    """A structure element's attribute from its /A (one dictionary or an array of them)."""
    owners = element.get("/A")
    if owners is None:
        return None
    for owner in owners if isinstance(owners, pikepdf.Array) else [owners]:
        if isinstance(owner, pikepdf.Dictionary) and name in owner:
            return owner[name]
    return None


def marks_content(element: pikepdf.Dictionary) -> bool:
    """True when the element, or one below it, holds some of the page's content."""
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, int):
            return True
        if isinstance(kid, pikepdf.Dictionary):
            if kid.get("/Type") == "/MCR" or ("/S" in kid and marks_content(kid)):
                return True
    return False


def reading_order(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element, in the order the tree gives them to a screen reader."""
    found: list[pikepdf.Dictionary] = []

    def visit(kids) -> None:
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append(kid)
                if "/K" in kid:
                    visit(kid.K)

    visit(pdf.Root.StructTreeRoot.get("/K", pikepdf.Array()))
    return found


def outline(pdf: pikepdf.Pdf, limit: int = 60) -> str:
    """The first ``limit`` structure elements as an indented list, for failure messages."""
    lines: list[str] = []

    def visit(kids, depth: int) -> None:
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if len(lines) >= limit or not (isinstance(kid, pikepdf.Dictionary) and "/S" in kid):
                continue
            notes = [f"Scope={attribute(kid, '/Scope')}"] if kid.S == "/TH" else []
            notes += [f"Alt={str(kid.Alt)!r}"] if "/Alt" in kid else []
            if kid.S != "/Span":
                lines.append("  " * depth + " ".join([str(kid.S), *notes]))
            visit(kid.get("/K", pikepdf.Array()), depth + (kid.S != "/Span"))

    visit(pdf.Root.StructTreeRoot.get("/K", pikepdf.Array()), 0)
    return "\n".join(lines)


def chart_words(uris: list[str]) -> set[str]:
    """Every word the charts were drawn with (axis labels, ticks, names)."""
    words: set[str] = set()
    for uri in uris:
        svg = base64.b64decode(uri.split(",", 1)[1])
        root = ElementTree.fromstring(svg)  # noqa: S314 — drawn by matplotlib in this process
        for element in root.iter():
            if element.tag.endswith("}text"):
                words.update("".join(element.itertext()).split())
    return words


def text_in_box(path: Path, page: int, box: list[float]) -> str:
    """The text pdftotext reads inside a figure's box (CSS pixels from the page's top left)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    done = subprocess.run(
        [
            "pdftotext",
            *("-f", str(page), "-l", str(page), "-r", "96"),
            *("-x", str(int(x1)), "-y", str(int(y1))),
            *("-W", str(int(x2 - x1) + 1), "-H", str(int(y2 - y1) + 1)),
            str(path),
            "-",
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    return done.stdout


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)

    def expect(self, holds: bool, problem: str) -> None:
        if not holds:
            self.problems.append(problem)


def accessibility_problems(content: bytes, html: str, tmp_path: Path) -> list[str]:
    """What stops the PDF being read with a screen reader, as sentences; empty when none."""
    path = tmp_path / "checked.pdf"
    path.write_bytes(content)
    found = Findings()

    checked = pdfua.validate(str(path))
    for finding in checked.findings:
        if finding.severity >= pdfua.Severity.WARNING:
            found.problems.append(f"pdfua {finding.rule_id}: {finding.message}")
    for outcome in checked.outcomes:
        known = KNOWN_SKIPS.get(outcome.rule_id)
        if outcome.skipped_reason and not (known and outcome.skipped_reason.startswith(known)):
            found.problems.append(
                f"pdfua {outcome.rule_id} could not run: {outcome.skipped_reason}"
            )

    with pikepdf.open(path) as pdf:
        catalog = pdf.Root
        mark_info = catalog.get("/MarkInfo", pikepdf.Dictionary())
        found.expect(bool(mark_info.get("/Marked", False)), "/MarkInfo /Marked is not true")
        found.expect("/StructTreeRoot" in catalog, "no /StructTreeRoot: the PDF is not tagged")
        found.expect(str(catalog.get("/Lang", "")) == "en-GB", "/Lang is not en-GB")
        preferences = catalog.get("/ViewerPreferences", pikepdf.Dictionary())
        found.expect(
            bool(preferences.get("/DisplayDocTitle", False)), "/DisplayDocTitle is not true"
        )
        xmp = pdf.open_metadata()
        title = str(pdf.docinfo.get("/Title", "")) or str(xmp.get("dc:title", ""))
        found.expect(bool(title.strip()), "no /Title in the document info or the XMP")
        found.expect(xmp.get("pdfuaid:part") == "1", "the XMP metadata does not say PDF/UA-1")
        if "/StructTreeRoot" not in catalog:
            return found.problems

        elements = reading_order(pdf)
        roles = [str(element.S) for element in elements]
        page_numbers = {page.obj.objgen: n for n, page in enumerate(pdf.pages, start=1)}
        source = HtmlOutline(html)

        headers = [e for e in elements if e.S == "/TH"]
        unscoped = [e for e in headers if str(attribute(e, "/Scope")) not in SCOPES]
        found.expect(headers != [] or "<th" not in html, "the tables' header cells are not tagged")
        found.expect(unscoped == [], f"{len(unscoped)} of {len(headers)} /TH have no /Scope")

        headings = [e for e in elements if re.fullmatch(r"/H[1-6]", str(e.S))]
        levels = [str(e.S) for e in headings]
        found.expect(levels == source.headings, f"headings {levels} != HTML {source.headings}")
        found.expect(levels[:1] == ["/H1"], "the first heading is not /H1")
        skips = [
            (a, b) for a, b in zip(levels, levels[1:], strict=False) if int(b[2]) > int(a[2]) + 1
        ]
        found.expect(skips == [], f"heading levels skipped: {skips}")
        empty = [str(e.S) for e in headings if not marks_content(e)]
        found.expect(empty == [], f"empty headings: {empty}")

        figures = [e for e in elements if e.S == "/Figure"]
        found.expect(
            len(figures) == len(source.charts),
            f"{len(figures)} /Figure for {len(source.charts)} images in the HTML",
        )
        for figure in figures:
            found.expect(str(figure.get("/Alt", "")).strip() != "", "a /Figure has no /Alt")
            after = roles[elements.index(figure) + 1 :]
            until = next((i for i, r in enumerate(after) if re.fullmatch(r"/H\d", r)), None)
            found.expect("/Table" in after[:until], "a chart is not followed by its data table")
        words = chart_words(source.charts)
        for figure in figures:
            page = page_numbers[figure.Pg.objgen]
            shown = text_in_box(path, page, list(attribute(figure, "/BBox"))).split()
            found.expect(shown != [], "no text read inside a chart's box: is /BBox still in px?")
            strays = sorted(set(shown) - words)
            found.expect(strays == [], f"a chart's text comes out in fragments: {strays}")
    return found.problems


def assert_accessible(content: bytes, html: str, tmp_path: Path) -> None:
    problems = accessibility_problems(content, html, tmp_path)
    if problems:
        with pikepdf.open(tmp_path / "checked.pdf") as pdf:
            tree = outline(pdf) if "/StructTreeRoot" in pdf.Root else "(no structure tree)"
        pytest.fail("\n".join(problems) + "\n\nTag tree:\n" + tree)


# Each kind of PDF ---------------------------------------------------------------------------


def test_the_escalation_brief_pdf_is_tagged_for_screen_readers(
    forum, convenor, leader, handed_to_weasyprint, tmp_path
):
    brief = draft_brief(forum, convenor, leader, issues=6)
    for months_ago, link in enumerate(brief.theme.theme_issues.select_related("issue")):
        link.issue.raised_on = TODAY - datetime.timedelta(days=31 * months_ago)
        link.issue.save(update_fields=["raised_on"])
    version = briefs.brief_send(brief=brief, actor=convenor)

    assert handed_to_weasyprint == [version.html]
    assert "<img" in version.html and "<th" in version.html
    assert_accessible(bytes(version.pdf), version.html, tmp_path)


def test_the_minutes_pdf_is_tagged_for_screen_readers(
    forum, convenor, member, leader, handed_to_weasyprint, tmp_path
):
    meeting = closed_meeting(forum, convenor, member, leader)
    minutes = meeting.minutes
    body = minutes.body + "\n\nThe policy is on [the intranet](https://intranet.example/lone).\n"
    meetings.minutes_update(minutes=minutes, actor=convenor, body=body)
    meetings.minutes_publish(minutes=minutes, actor=convenor)

    response = client_for(member).get(
        reverse("meetings:minutes_pdf", args=[forum.slug, meeting.pk])
    )

    assert response.status_code == 200
    [html] = handed_to_weasyprint
    assert "<h3>" in html and "<th" in html and 'href="https://intranet.example/lone"' in html
    assert_accessible(response.content, html, tmp_path)


def summary_world(forum, convenor, leader) -> None:
    """A year of a forum: issues each month, themes, a meeting's decisions, briefs answered
    with commitments done, under way and overdue, and enough themes for a long table."""
    categories = [CategoryFactory(forum=forum, name=n) for n in ("Caseloads", "IT systems")]
    areas = [ServiceAreaFactory(forum=forum, name=n) for n in ("Children in care", "Adults")]
    for month in range(12):
        for i in range(6):
            IssueFactory(
                forum=forum,
                category=categories[i % 2],
                service_area=areas[(i // 2) % 2],
                raised_on=TODAY - datetime.timedelta(days=30 * month + i),
            )
    past = timezone.now() - datetime.timedelta(days=20)
    meeting = MeetingFactory(
        forum=forum, starts_at=past, ends_at=past + datetime.timedelta(hours=1)
    )
    Attendance.objects.create(meeting=meeting, user=convenor)
    for i, outcome in enumerate((Outcome.ESCALATE, Outcome.RESOLVE_LOCALLY, Outcome.MONITOR)):
        theme = ThemeFactory(forum=forum, name=f"Theme decided {i}")
        DecisionFactory(meeting=meeting, theme=theme, outcome=outcome, leader=leader)
    for i in range(40):
        ThemeFactory(forum=forum, name=f"A theme with a longer name, number {i}")
    brief = draft_brief(forum, convenor, leader)
    briefs.brief_send(brief=brief, actor=convenor)
    briefs.brief_respond(
        brief=brief, actor=leader, position=Response.Position.ACCEPT, reasons="Agreed."
    )
    for status, due in (
        (Commitment.Status.DONE, TODAY - datetime.timedelta(days=5)),
        (Commitment.Status.IN_PROGRESS, TODAY - datetime.timedelta(days=2)),
        (Commitment.Status.PLANNED, TODAY + datetime.timedelta(days=30)),
    ):
        commitment = briefs.commitment_add(
            brief=brief, actor=leader, what=f"Review {status.label}", owner="Head", due_on=due
        )
        briefs.commitment_update(commitment=commitment, actor=leader, status=status)


def test_the_summary_report_pdf_is_tagged_for_screen_readers(
    forum, convenor, leader, steward, handed_to_weasyprint, tmp_path, monkeypatch
):
    monkeypatch.setattr(briefs, "render_brief_pdf", lambda html: b"%PDF-1.7 stand-in")
    summary_world(forum, convenor, leader)
    start = TODAY - datetime.timedelta(days=365)
    handed_to_weasyprint.clear()

    response = download(
        steward, forum=forum, format="pdf", start=start.isoformat(), end=TODAY.isoformat()
    )

    assert response.status_code == 200
    [html] = handed_to_weasyprint
    assert html.count("<img") == 4  # months, categories, service areas, themes
    assert_accessible(response.content, html, tmp_path)
    with pikepdf.open(tmp_path / "checked.pdf") as pdf:
        cells = Counter(str(element.S) for element in reading_order(pdf))
        assert len(pdf.pages) > 4
    # The themes table runs over a page, and its header cells are tagged again on the next.
    assert cells["/TH"] > len(re.findall(r"<th[ >]", html))


def test_every_pdf_the_forum_makes_is_checked_here():
    """A new kind of PDF must go through the tagged writer and get a test above."""
    writers = {
        path.relative_to(ROOT).as_posix()
        for folder in ("forum_app", "issues", "meetings", "escalations", "summaries")
        for path in (ROOT / folder).rglob("*.py")
        if "write_pdf(" in path.read_text(encoding="utf-8")
        or "tagged_pdf(" in path.read_text(encoding="utf-8")
    }
    assert writers == {
        "forum_app/pdf.py",  # tagged_pdf itself
        "escalations/pdf.py",  # the brief: test_the_escalation_brief_pdf_is_tagged…
        "meetings/pdf.py",  # the minutes: test_the_minutes_pdf_is_tagged…
        "summaries/report.py",  # the summary report: test_the_summary_report_pdf_is_tagged…
    }
    assert "header_scopes" in (ROOT / "escalations/pdf.py").read_text(encoding="utf-8")


def pdf_text(content: bytes, *pages: str) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", *pages, "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def test_the_summary_report_opens_with_the_period_in_figures_in_words_people_read(
    forum, convenor, leader, steward, monkeypatch
):
    monkeypatch.setattr(briefs, "render_brief_pdf", lambda html: b"%PDF-1.7 stand-in")
    summary_world(forum, convenor, leader)
    start = TODAY - datetime.timedelta(days=365)

    content = download(
        steward, forum=forum, format="pdf", start=start.isoformat(), end=TODAY.isoformat()
    ).content

    first_page = pdf_text(content, "-f", "1", "-l", "1")
    issues = forum.issues.count()
    for figure in (
        f"Issues raised {issues}",
        "Briefs sent to senior leaders 1",
        "Briefs with a response 1",
        "Commitments made 3",
        "Commitments done 1",
        "Commitments overdue 1",
    ):
        assert figure in first_page, figure
    text = pdf_text(content)
    for label in ("Resolve locally", "Escalate to a senior leader", "In progress", "Planned"):
        assert label in text, label
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", text) == []  # no resolve_locally, in_progress…


def test_a_draft_brief_pdf_says_draft_on_every_page_and_stays_tagged(
    forum, convenor, leader, tmp_path
):
    brief = draft_brief(forum, convenor, leader, issues=6)
    brief.problem = "\n\n".join(["Visits slip when caseloads pass thirty. " * 12] * 12)
    brief.save()
    snapshot = briefs.brief_snapshot(brief, version=None, sent_at=timezone.now())
    html = brief_pdf.render_brief_html(snapshot)
    content = brief_pdf.render_brief_pdf(html)
    with pikepdf.open(io.BytesIO(content)) as pdf:
        pages = len(pdf.pages)
    assert pages >= 2
    for number in range(1, pages + 1):
        text = pdf_text(content, "-f", str(number), "-l", str(number))
        assert "DRAFT – not sent" in text, f"page {number} has no draft mark"
    assert_accessible(content, html, tmp_path)

    sent = briefs.brief_send(brief=brief, actor=convenor)
    assert "DRAFT" not in pdf_text(bytes(sent.pdf))
