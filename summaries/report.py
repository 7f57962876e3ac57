"""The steward's PDF summary: the export's folded tables, read as a report with charts.

Built from ``export_tables`` only, so the PDF can hold nothing an export could not: no
author, no ballot, no supporter, and small groups already folded. The first page gives the
period's headline figures; each forum's section follows. Statuses and decisions show the
words people read, and dates are written out. WeasyPrint may fetch only the chart images drawn
here, and the file is tagged PDF/UA-1 (``forum_app.pdf``).
"""

import datetime
from collections import Counter
from dataclasses import astuple, dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from weasyprint import HTML

from escalations.charts import issues_per_month_svg
from escalations.models import BriefStatus, Commitment
from escalations.services.evidence import MonthCount
from forum_app.charts import svg_data_uri
from forum_app.models import Forum
from forum_app.pdf import RefusingFetcher, allowed_images, pdf_stylesheets, tagged_pdf
from meetings.models import Phase, ThemeStatus
from summaries.charts import bar_chart_uri

STYLESHEET = "css/pdf/summary.css"
Row = tuple


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _days_between(first: str, last: str) -> int | None:
    if not first or not last:
        return None
    return (datetime.date.fromisoformat(last) - datetime.date.fromisoformat(first)).days


OPEN_COMMITMENTS = (Commitment.Status.PLANNED, Commitment.Status.IN_PROGRESS)


@dataclass(frozen=True)
class Headline:
    """A forum's figures for the period, as the report's first page shows them."""

    issues: int = 0
    themes: int = 0
    briefs: int = 0
    responses: int = 0
    commitments: int = 0
    done: int = 0
    overdue: int = 0

    def __add__(self, other: "Headline") -> "Headline":
        return Headline(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


HEADLINE_FIGURES = (
    ("issues", gettext_lazy("Issues raised")),
    ("themes", gettext_lazy("Themes discussed")),
    ("briefs", gettext_lazy("Briefs sent to senior leaders")),
    ("responses", gettext_lazy("Briefs with a response")),
    ("commitments", gettext_lazy("Commitments made")),
    ("done", gettext_lazy("Commitments done")),
    ("overdue", gettext_lazy("Commitments overdue")),
)


def headline_rows(reports: list["ForumReport"]) -> list[tuple[str, list[int], int]]:
    """Each headline figure's label, its value for each forum, and the total."""
    total = sum((report.headline for report in reports), Headline())
    return [
        (str(label), [getattr(report.headline, key) for report in reports], getattr(total, key))
        for key, label in HEADLINE_FIGURES
    ]


@dataclass
class ForumReport:
    name: str
    headline: Headline = field(default_factory=Headline)
    months: list[MonthCount] = field(default_factory=list)
    categories: list[Row] = field(default_factory=list)
    service_areas: list[Row] = field(default_factory=list)
    theme_statuses: list[tuple[str, int]] = field(default_factory=list)
    themes: list[Row] = field(default_factory=list)
    meetings: list[Row] = field(default_factory=list)
    briefs: list[Row] = field(default_factory=list)
    commitments: list[Row] = field(default_factory=list)
    you_said_we_did: list[Row] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def last_month(self) -> str:
        return self.months[-1].label if self.months else ""

    @property
    def breakdowns(self) -> list[tuple[str, list[Row], str, str]]:
        return [
            (_("Issues by category"), self.categories, self.charts["categories"], _("Category")),
            (
                _("Issues by service area"),
                self.service_areas,
                self.charts["service_areas"],
                _("Service area"),
            ),
        ]


def _months(rows: list[Row], start: datetime.date, end: datetime.date) -> list[MonthCount]:
    counts = Counter(row[1] for row in rows)
    months, month = [], start.replace(day=1)
    while month <= end:
        key = month.strftime("%Y-%m")
        months.append(MonthCount(month=month.isoformat(), issues=counts.get(key, 0)))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _date(value: str) -> str:
    """An ISO date from the export written as people read it: "3 Nov 2026"."""
    return datetime.date.fromisoformat(value).strftime("%-d %b %Y") if value else ""


def _readable(table: str, row: Row) -> Row:
    if table == "themes":
        return (row[0], _label(ThemeStatus, row[1]), *row[2:])
    if table == "meetings":
        date, title, phase, *rest = row
        return (_date(date), title, _label(Phase, phase), *rest)
    if table == "briefs":
        reference, theme, sent, due, responded, status = row
        days = _days_between(sent, responded)
        return (
            reference,
            theme,
            _date(sent),
            _date(due),
            _date(responded),
            days,
            _label(BriefStatus, status),
        )
    if table == "commitments":
        reference, what, due, status = row
        return (reference, what, _date(due), _label(Commitment.Status, status))
    return row


def _headline(report: "ForumReport", issues: int, commitments: list[Row], today) -> Headline:
    """The forum's headline figures; commitments as they stand on ``today``."""
    return Headline(
        issues=issues,
        themes=len(report.themes),
        briefs=len(report.briefs),
        responses=sum(1 for brief in report.briefs if brief[4]),
        commitments=len(commitments),
        done=sum(1 for row in commitments if row[3] == Commitment.Status.DONE),
        overdue=sum(
            1
            for _reference, _what, due, status in commitments
            if status in OPEN_COMMITMENTS and datetime.date.fromisoformat(due) < today
        ),
    )


def _bar(rows: list[tuple], axis: str) -> str:
    if not rows:
        return ""
    return bar_chart_uri([str(r[0]) for r in rows], [r[1] for r in rows], axis)


def forum_reports(
    names: list[str],
    tables: dict[str, list[Row]],
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> list[ForumReport]:
    """One report section per forum, each chart drawn from the table shown beside it.

    Commitments count as overdue when their due date is before ``today`` (the day the
    report is made) and they are neither done nor dropped.
    """
    today = today or timezone.localdate()
    reports: dict[str, ForumReport] = {
        name: ForumReport(name=name, months=_months([], start, end)) for name in names
    }

    def report(name: str) -> ForumReport:
        return reports.setdefault(name, ForumReport(name=name))

    issues_by_forum: dict[str, list[Row]] = {}
    for row in tables["issues"]:
        issues_by_forum.setdefault(row[0], []).append(row)
    for name, rows in issues_by_forum.items():
        report(name).months = _months(rows, start, end)
    for key, target in (
        ("issues_by_category", "categories"),
        ("issues_by_service_area", "service_areas"),
        ("themes", "themes"),
        ("meetings", "meetings"),
        ("briefs", "briefs"),
        ("commitments", "commitments"),
        ("you_said_we_did", "you_said_we_did"),
    ):
        for row in tables[key]:
            getattr(report(row[0]), target).append(_readable(key, row[1:]))
    commitments_by_forum: dict[str, list[Row]] = {}
    for row in tables["commitments"]:
        commitments_by_forum.setdefault(row[0], []).append(row[1:])
    for name, forum_report in reports.items():
        forum_report.headline = _headline(
            forum_report,
            len(issues_by_forum.get(name, [])),
            commitments_by_forum.get(name, []),
            today,
        )
        statuses = Counter(row[1] for row in forum_report.themes)
        forum_report.theme_statuses = sorted(statuses.items(), key=lambda s: (-s[1], s[0]))
        forum_report.charts = {
            "months": svg_data_uri(issues_per_month_svg(forum_report.months))
            if any(m.issues for m in forum_report.months)
            else "",
            "categories": _bar(forum_report.categories, _("Issues")),
            "service_areas": _bar(forum_report.service_areas, _("Issues")),
            "themes": _bar(forum_report.theme_statuses, _("Themes")),
        }
    return [reports[name] for name in sorted(reports)]


def summary_html(
    forums: list[Forum], start: datetime.date, end: datetime.date, tables: dict[str, list[Row]]
) -> str:
    today = timezone.localdate()
    reports = forum_reports([f.name for f in forums], tables, start, end, today)
    return render_to_string(
        "pdf/summary.html",
        {
            "forum_names": sorted(f.name for f in forums),
            "start": start,
            "end": end,
            "generated": today,
            "reports": reports,
            "headline": headline_rows(reports),
        },
    )


def summary_pdf(
    forums: list[Forum], start: datetime.date, end: datetime.date, tables: dict[str, list[Row]]
) -> bytes:
    """The summary report as PDF bytes, fetching nothing but its own chart images."""
    html = summary_html(forums, start, end, tables)
    fetcher = RefusingFetcher(allowed_images(html))
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return tagged_pdf(document, pdf_stylesheets(STYLESHEET, fetcher))
