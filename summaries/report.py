"""The steward's PDF summary: the export's folded tables, read as a report with charts.

Built from ``export_tables`` only, so the PDF can hold nothing an export could not: no
author, no ballot, no supporter, and small groups already folded. WeasyPrint gets its
stylesheet as a string and may fetch only the chart images drawn here.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML

from escalations.charts import issues_per_month_svg, svg_data_uri
from escalations.models import BriefStatus, Commitment
from escalations.pdf import RefusingFetcher, allowed_images
from escalations.services.evidence import MonthCount
from forum_app.models import Forum
from forum_app.pdf import tagged_pdf
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


@dataclass
class ForumReport:
    name: str
    months: list[MonthCount] = field(default_factory=list)
    categories: list[Row] = field(default_factory=list)
    service_areas: list[Row] = field(default_factory=list)
    theme_statuses: list[tuple[str, int]] = field(default_factory=list)
    themes: list[Row] = field(default_factory=list)
    meetings: list[Row] = field(default_factory=list)
    briefs: list[Row] = field(default_factory=list)
    commitments: list[Row] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)

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


def _readable(table: str, row: Row) -> Row:
    if table == "themes":
        return (row[0], _label(ThemeStatus, row[1]), *row[2:])
    if table == "meetings":
        return (row[0], row[1], _label(Phase, row[2]), *row[3:])
    if table == "briefs":
        reference, theme, sent, due, responded, status = row
        days = _days_between(sent, responded)
        return (reference, theme, sent, due, responded, days, _label(BriefStatus, status))
    if table == "commitments":
        return (*row[:3], _label(Commitment.Status, row[3]))
    return row


def _bar(rows: list[tuple], axis: str) -> str:
    if not rows:
        return ""
    return bar_chart_uri([str(r[0]) for r in rows], [r[1] for r in rows], axis)


def forum_reports(
    names: list[str], tables: dict[str, list[Row]], start: datetime.date, end: datetime.date
) -> list[ForumReport]:
    """One report section per forum, each chart drawn from the table shown beside it."""
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
    ):
        for row in tables[key]:
            getattr(report(row[0]), target).append(_readable(key, row[1:]))
    for forum_report in reports.values():
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


@cache
def stylesheet_text() -> str:
    return Path(finders.find(STYLESHEET)).read_text(encoding="utf-8")


def summary_html(
    forums: list[Forum], start: datetime.date, end: datetime.date, tables: dict[str, list[Row]]
) -> str:
    return render_to_string(
        "pdf/summary.html",
        {
            "forum_names": sorted(f.name for f in forums),
            "start": start,
            "end": end,
            "generated": timezone.localdate(),
            "reports": forum_reports([f.name for f in forums], tables, start, end),
        },
    )


def summary_pdf(
    forums: list[Forum], start: datetime.date, end: datetime.date, tables: dict[str, list[Row]]
) -> bytes:
    """The summary report as PDF bytes, fetching nothing but its own chart images."""
    html = summary_html(forums, start, end, tables)
    fetcher = RefusingFetcher(allowed_images(html))
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return tagged_pdf(document, [CSS(string=stylesheet_text(), url_fetcher=fetcher)])
