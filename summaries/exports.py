"""Steward exports: a period's issues, themes, meetings and briefs as CSV or XLSX.

Only the columns in ``EXPORT_COLUMNS`` are ever written. No author, email, user id, ballot
or issue text leaves through an export; category and service-area names covering fewer than
k people are folded into "Other". Statuses are written as people read them ("In progress",
not "in_progress"); the workbook holds real dates, a bold header row that stays in view, and
columns wide enough to read.
"""

import csv
import datetime
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from escalations.models import Brief, BriefStatus, Commitment
from forum_app.models import Forum
from issues.models import Issue
from issues.models import Status as IssueStatus
from meetings.models import Decision, Meeting, Phase, Theme, ThemeStatus
from summaries.anonymity import Group, fold_small_groups, other_label
from summaries.dashboard import issue_groups
from summaries.models import ExportFormat
from summaries.report import Row, summary_pdf

EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "issues": (
        "forum",
        "month",
        "category",
        "service_area",
        "status",
        "supports",
        "theme",
        "brief_reference",
    ),
    "issues_by_category": ("forum", "category", "issues"),
    "issues_by_service_area": ("forum", "service_area", "issues"),
    "themes": ("forum", "theme", "status", "issues", "meetings_raised_in"),
    "meetings": ("forum", "date", "title", "phase", "attendance", "decisions"),
    "briefs": ("forum", "reference", "theme", "sent", "due", "responded", "status"),
    "commitments": ("forum", "brief_reference", "commitment", "due", "status"),
    "you_said_we_did": (
        "forum",
        "brief_reference",
        "ask",
        "answer",
        "reasons",
        "commitments_done",
        "commitments",
        "made_a_difference",
    ),
}


# Columns that hold a stored code, and the choices that name it for people.
LABELLED_COLUMNS = {
    ("issues", "status"): IssueStatus,
    ("themes", "status"): ThemeStatus,
    ("meetings", "phase"): Phase,
    ("briefs", "status"): BriefStatus,
    ("commitments", "status"): Commitment.Status,
}
# Columns that hold an ISO date ("2026-03-14") or month ("2026-03"), and how a workbook shows them.
DATE_FORMATS = {
    ("issues", "month"): "mmm yyyy",
    ("meetings", "date"): "d mmm yyyy",
    ("briefs", "sent"): "d mmm yyyy",
    ("briefs", "due"): "d mmm yyyy",
    ("briefs", "responded"): "d mmm yyyy",
    ("commitments", "due"): "d mmm yyyy",
}
NARROWEST, WIDEST = 8, 60  # column widths in a workbook, in characters


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def _in_period(field: str, start: datetime.date, end: datetime.date) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


def _shown_labels(groups: list[Group]) -> set[str]:
    return {g.label for g in groups if not g.folded}


def _issue_tables(forum: Forum, start, end) -> dict[str, list[Row]]:
    issues = Issue.objects.in_forum(forum).listed().filter(_in_period("raised_on", start, end))
    k = forum.k_anonymity
    categories = fold_small_groups(issue_groups(issues, "category__name"), k)
    areas = fold_small_groups(issue_groups(issues, "service_area__name"), k)
    shown_categories, shown_areas = _shown_labels(categories), _shown_labels(areas)
    other = other_label(k)
    references: dict[int, list[str]] = defaultdict(list)
    for theme_id, reference in (
        Brief.objects.in_forum(forum).sent().order_by("pk").values_list("theme_id", "reference")
    ):
        references[theme_id].append(reference)
    rows = []
    for raised_on, category, area, status, supports, theme_id, theme in (
        issues.annotate(supports_n=Count("supports"))
        .order_by("raised_on", "pk")
        .values_list(
            "raised_on",
            "category__name",
            "service_area__name",
            "status",
            "supports_n",
            "theme_link__theme_id",
            "theme_link__theme__name",
        )
    ):
        rows.append(
            (
                forum.name,
                raised_on.strftime("%Y-%m"),
                category if category in shown_categories else other,
                area if area in shown_areas else other,
                status,
                supports,
                theme or "",
                "; ".join(references.get(theme_id, [])),
            )
        )
    return {
        "issues": rows,
        "issues_by_category": [(forum.name, g.label, g.value("issues")) for g in categories],
        "issues_by_service_area": [(forum.name, g.label, g.value("issues")) for g in areas],
    }


def _theme_rows(forum: Forum, start, end) -> list[Row]:
    themes = (
        Theme.objects.in_forum(forum)
        .current()
        .filter(
            _in_period("created_at__date", start, end)
            | _in_period("meeting_themes__meeting__starts_at__date", start, end)
        )
        .distinct()
        .annotate(
            issues_n=Count("theme_issues", distinct=True),
            meetings_n=Count("meeting_themes", distinct=True),
        )
        .order_by("name", "pk")
    )
    return [(forum.name, t.name, t.status, t.issues_n, t.meetings_n) for t in themes]


def _meeting_rows(forum: Forum, start, end) -> list[Row]:
    meetings = (
        Meeting.objects.in_forum(forum)
        .filter(_in_period("starts_at__date", start, end))
        .with_attendance()
        .prefetch_related(
            Prefetch("decisions", queryset=Decision.objects.select_related("theme").order_by("pk"))
        )
        .order_by("starts_at", "pk")
    )
    return [
        (
            forum.name,
            meeting.starts_at.date().isoformat(),
            meeting.title,
            meeting.phase,
            meeting.attendance_count,
            "; ".join(
                f"{d.theme.name}: {d.get_outcome_display()}" for d in meeting.decisions.all()
            ),
        )
        for meeting in meetings
    ]


def _brief_tables(forum: Forum, start, end) -> dict[str, list[Row]]:
    briefs = (
        Brief.objects.in_forum(forum)
        .sent()
        .filter(_in_period("sent_at__date", start, end))
        .select_related("theme")
        .prefetch_related(
            "responses",
            Prefetch("commitments", queryset=Commitment.objects.order_by("due_on")),
            "difference_tallies",
        )
        .order_by("sent_at", "pk")
    )
    brief_rows, commitment_rows, outcome_rows = [], [], []
    for brief in briefs:
        responses = list(brief.responses.all())
        commitments = list(brief.commitments.all())
        latest = responses[-1] if responses else None
        outcome_rows.append(
            (
                forum.name,
                brief.reference,
                brief.ask,
                latest.get_position_display() if latest else "",
                latest.reasons if latest else "",
                sum(c.status == Commitment.Status.DONE for c in commitments),
                len(commitments),
                "; ".join(
                    f"{tally.get_answer_display()}: {tally.count}"
                    for tally in brief.difference_tallies.all()
                ),
            )
        )
        brief_rows.append(
            (
                forum.name,
                brief.reference,
                brief.theme.name,
                brief.sent_at.date().isoformat(),
                brief.response_by.isoformat(),
                responses[0].created_at.date().isoformat() if responses else "",
                brief.status,
            )
        )
        commitment_rows += [
            (forum.name, brief.reference, c.what, c.due_on.isoformat(), c.status)
            for c in brief.commitments.all()
        ]
    return {"briefs": brief_rows, "commitments": commitment_rows, "you_said_we_did": outcome_rows}


def export_tables(
    forums: list[Forum],
    start: datetime.date,
    end: datetime.date,
    on_forum_done: Callable[[int], None] | None = None,
) -> dict[str, list[Row]]:
    """Every table of an export, keyed by name, each row in ``EXPORT_COLUMNS`` order.

    ``on_forum_done`` is called with the number of forums read so far, for progress.
    """
    tables: dict[str, list[Row]] = {name: [] for name in EXPORT_COLUMNS}
    for done, forum in enumerate(sorted(forums, key=lambda f: f.name), start=1):
        parts = {
            **_issue_tables(forum, start, end),
            "themes": _theme_rows(forum, start, end),
            "meetings": _meeting_rows(forum, start, end),
            **_brief_tables(forum, start, end),
        }
        for name, rows in parts.items():
            tables[name] += rows
        if on_forum_done:
            on_forum_done(done)
    return tables


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value a spreadsheet will show as text, never run as a formula.

    Control characters a workbook cannot hold (pasted in with a name) are dropped first.
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def readable_rows(name: str, rows: list[Row]) -> list[Row]:
    """A table's rows with each stored code written as its label, for people to read."""
    labelled = [
        (i, choices)
        for i, column in enumerate(EXPORT_COLUMNS[name])
        if (choices := LABELLED_COLUMNS.get((name, column)))
    ]
    if not labelled:
        return rows
    readable = []
    for row in rows:
        row = list(row)
        for i, choices in labelled:
            row[i] = _label(choices, row[i])
        readable.append(tuple(row))
    return readable


def csv_zip(tables: dict[str, list[Row]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(EXPORT_COLUMNS[name])
            writer.writerows([safe_cell(v) for v in row] for row in readable_rows(name, rows))
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def _as_date(value: str) -> datetime.date | str:
    """An ISO date or month as a date a spreadsheet can sort and count; "" stays empty."""
    if not value:
        return value
    return datetime.date.fromisoformat(value if len(value) > 7 else f"{value}-01")


def _column_widths(columns: tuple[str, ...], rows: list[Row]) -> list[int]:
    widths = [len(column) for column in columns]
    for row in rows:
        for i, value in enumerate(row):
            longest = max((len(line) for line in str(value).splitlines()), default=0)
            widths[i] = max(widths[i], longest)
    return [min(max(width + 2, NARROWEST), WIDEST) for width in widths]


def xlsx_workbook(tables: dict[str, list[Row]]) -> bytes:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, rows in tables.items():
        columns = EXPORT_COLUMNS[name]
        rows = readable_rows(name, rows)
        sheet = workbook.create_sheet(title=name[:31])
        sheet.freeze_panes = "A2"
        for i, width in enumerate(_column_widths(columns, rows), start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        dates = [(i, DATE_FORMATS.get((name, column))) for i, column in enumerate(columns)]
        dates = [(i, shown) for i, shown in dates if shown]
        for row in rows:
            values: list = [safe_cell(v) for v in row]
            for i, shown in dates:
                if values[i]:
                    cell = WriteOnlyCell(sheet, value=_as_date(values[i]))
                    cell.number_format = shown
                    values[i] = cell
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = {
    ExportFormat.CSV: ("zip", "application/zip"),
    ExportFormat.XLSX: (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ExportFormat.PDF: ("pdf", "application/pdf"),
}


def download_name(start: datetime.date, end: datetime.date, format: str) -> str:
    extension = CONTENT_TYPES[ExportFormat(format)][0]
    return f"forum-summary-{start.isoformat()}-to-{end.isoformat()}.{extension}"


def export_file(
    forums: list[Forum],
    start: datetime.date,
    end: datetime.date,
    format: str,
    on_forum_done: Callable[[int], None] | None = None,
) -> ExportFile:
    """The export's file in the chosen format, built from ``export_tables`` only."""
    tables = export_tables(forums, start, end, on_forum_done)
    name = download_name(start, end, format)
    content_type = CONTENT_TYPES[ExportFormat(format)][1]
    if format == ExportFormat.CSV:
        return ExportFile(name, content_type, csv_zip(tables))
    if format == ExportFormat.PDF:
        return ExportFile(name, content_type, summary_pdf(forums, start, end, tables))
    return ExportFile(name, content_type, xlsx_workbook(tables))
