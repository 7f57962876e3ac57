"""Steward exports: allowlisted columns, nothing personal, matching counts, all on record."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.http import HttpResponse
from django.urls import reverse

from escalations.models import Brief
from forum_app.models import Membership, Role
from issues.models import Issue
from meetings.models import Attendance, Meeting, MeetingTheme
from summaries.exports import EXPORT_COLUMNS, LABELLED_COLUMNS
from summaries.models import ExportRecord
from tests.conftest import client_for
from tests.escalations.world import sent_brief
from tests.factories import (
    CategoryFactory,
    IssueFactory,
    MeetingFactory,
    MembershipFactory,
    ServiceAreaFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


URL = "/exports/"
TODAY = datetime.date.today()
PERIOD = {"start": (TODAY - datetime.timedelta(days=60)).isoformat(), "end": TODAY.isoformat()}
FORBIDDEN_HEADERS = ("author", "email", "user", "voter", "ballot", "dots", "name_of")


@pytest.fixture
def busy_forum(forum, member, convenor, leader):
    """Issues from named and anonymous people, a theme in two meetings, a sent brief."""
    caseloads = CategoryFactory(forum=forum, name="Caseloads")
    area = ServiceAreaFactory(forum=forum, name="Children in care")
    for _ in range(6):
        IssueFactory(forum=forum, category=caseloads, service_area=area)
    IssueFactory(forum=forum, author=member, category=CategoryFactory(forum=forum, name="Lifts"))
    for _ in range(2):
        IssueFactory(forum=forum, author=None, is_anonymous=True, category=caseloads)
    IssueFactory(forum=forum, raised_on=TODAY - datetime.timedelta(days=400))
    meeting = MeetingFactory(
        forum=forum, starts_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    )
    Attendance.objects.create(meeting=meeting, user=member)
    Attendance.objects.create(meeting=meeting, user=convenor)
    MeetingTheme.objects.create(meeting=meeting, theme=ThemeFactory(forum=forum, name="=HYPERLINK"))
    sent_brief(forum, convenor, leader)
    return forum


def download(user, **data):
    """Ask for an export, follow it to its job page (made in-request here) and download it."""
    form = {"forums": [data.pop("forum").pk], "format": "xlsx"} | PERIOD | data
    client = client_for(user)
    asked = client.post(URL, form)
    record = ExportRecord.objects.latest("pk")
    assert asked.status_code == 302
    assert asked["Location"] == reverse("exports:job", args=[record.pk])
    job = client.get(asked["Location"])
    assert record.status == ExportRecord.objects.get(pk=record.pk).status == "done"
    link = reverse("exports:download", args=[record.pk])
    assert link in job.content.decode()
    response = client.get(link)
    assert response["Content-Disposition"].startswith('attachment; filename="forum-summary-')
    return HttpResponse(
        response.getvalue(), content_type=response["Content-Type"], status=response.status_code
    )


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def sheet_rows(book, name):
    rows = list(book[name].iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_every_column_comes_from_the_allowlist_and_none_is_personal(busy_forum, steward):
    book = workbook(download(steward, forum=busy_forum))
    assert set(book.sheetnames) == set(EXPORT_COLUMNS)
    for name in book.sheetnames:
        header, _rows = sheet_rows(book, name)
        assert tuple(header) == EXPORT_COLUMNS[name]
        for column in header:
            assert not any(word in column for word in FORBIDDEN_HEADERS), column


def test_no_author_email_or_user_id_appears_anywhere_in_the_file(busy_forum, steward, member):
    people = {m.user for m in Membership.objects.filter(forum=busy_forum).select_related("user")}
    authors = {i.author for i in Issue.objects.exclude(author=None).select_related("author")}
    everyone = people | authors
    assert member in everyone and len(authors) >= 7
    for fmt in ("xlsx", "csv"):
        response = download(steward, forum=busy_forum, format=fmt)
        assert response.status_code == 200
        texts = []
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            for entry in archive.namelist():
                texts.append(archive.read(entry).decode("utf-8", "replace"))
        blob = "\n".join(texts)
        for person in everyone:
            assert person.email not in blob
            assert person.display_name not in blob


def test_counts_in_the_workbook_equal_the_database(busy_forum, steward):
    book = workbook(download(steward, forum=busy_forum))
    start, end = (datetime.date.fromisoformat(PERIOD[k]) for k in ("start", "end"))
    _header, issues = sheet_rows(book, "issues")
    in_period = Issue.objects.filter(
        forum=busy_forum, merged_into=None, raised_on__gte=start, raised_on__lte=end
    )
    assert len(issues) == in_period.count() == 12
    _header, by_category = sheet_rows(book, "issues_by_category")
    assert sum(row[2] for row in by_category) == in_period.count()
    _header, meetings = sheet_rows(book, "meetings")
    attended = {row[2]: row[4] for row in meetings}
    for meeting in Meeting.objects.filter(forum=busy_forum, starts_at__date__lte=end).filter(
        starts_at__date__gte=start
    ):
        assert attended[meeting.title] == meeting.attendances.count()
    _header, briefs = sheet_rows(book, "briefs")
    assert [row[1] for row in briefs] == list(
        Brief.objects.filter(forum=busy_forum).sent().values_list("reference", flat=True)
    )
    _header, commitments = sheet_rows(book, "commitments")
    assert len(commitments) == 0


def test_small_categories_are_folded_in_the_rows_and_the_breakdowns(busy_forum, steward):
    book = workbook(download(steward, forum=busy_forum))
    _header, issues = sheet_rows(book, "issues")
    categories = {row[2] for row in issues}
    assert "Lifts" not in categories
    assert "Other (fewer than 5)" in categories
    _header, by_category = sheet_rows(book, "issues_by_category")
    assert "Lifts" not in {row[1] for row in by_category}


def test_text_that_looks_like_a_formula_is_kept_as_text(busy_forum, steward):
    book = workbook(download(steward, forum=busy_forum))
    _header, themes = sheet_rows(book, "themes")
    assert "'=HYPERLINK" in {row[1] for row in themes}


def test_csv_export_is_a_zip_with_one_file_per_table(busy_forum, steward):
    response = download(steward, forum=busy_forum, format="csv")
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert set(archive.namelist()) == {f"{name}.csv" for name in EXPORT_COLUMNS}
        rows = list(csv.reader(io.StringIO(archive.read("issues.csv").decode())))
    assert tuple(rows[0]) == EXPORT_COLUMNS["issues"]
    assert len(rows) - 1 == 12


def test_every_export_is_recorded(busy_forum, steward):
    download(steward, forum=busy_forum, format="csv")
    record = ExportRecord.objects.get()
    assert record.user == steward
    assert list(record.forums.all()) == [busy_forum]
    assert (record.period_start.isoformat(), record.period_end.isoformat(), record.format) == (
        PERIOD["start"],
        PERIOD["end"],
        "csv",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"end": "2020-01-01"}, "end", "The end of the period must be on or after its start."),
        ({"start": "not a date"}, "start", "Enter a real date, like 01/04/2026."),
        ({"forums": []}, "forums", "Choose at least one forum."),
    ],
)
def test_bad_choices_get_clear_messages_and_no_file(forum, steward, data, field, message):
    form = {"forums": [forum.pk], "format": "xlsx"} | PERIOD | data
    response = client_for(steward).post(URL, form)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not ExportRecord.objects.exists()


def test_a_steward_cannot_export_a_forum_where_they_are_not_steward(forum, other_forum, steward):
    response = client_for(steward).post(
        URL, {"forums": [other_forum.pk], "format": "xlsx"} | PERIOD
    )
    assert response.status_code == 200
    assert "forums" in response.context["form"].errors
    assert not ExportRecord.objects.exists()


def test_a_steward_of_two_forums_exports_both(forum, other_forum, steward):
    MembershipFactory(forum=other_forum, user=steward, role=Role.STEWARD)
    IssueFactory(forum=forum)
    IssueFactory(forum=other_forum)
    response = download(steward, forum=forum, forums=[forum.pk, other_forum.pk])
    _header, issues = sheet_rows(workbook(response), "issues")
    assert {row[0] for row in issues} == {forum.name, other_forum.name}


@pytest.mark.parametrize("persona", ["member", "convenor", "leader", "outsider"])
def test_people_who_are_not_stewards_get_404_on_every_summaries_page(forum, persona, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"forums": [forum.pk], "format": "csv"} | PERIOD).status_code == 404
    if persona in ("leader", "outsider"):
        for name in ("summaries:dashboard", "summaries:pulse"):
            assert client.get(reverse(name, args=[forum.slug])).status_code == 404
    assert not ExportRecord.objects.exists()


def test_the_workbook_reads_as_words_and_dates_under_a_bold_header_that_stays_in_view(
    busy_forum, steward
):
    book = workbook(download(steward, forum=busy_forum))
    for (name, column), choices in LABELLED_COLUMNS.items():
        header, rows = sheet_rows(book, name)
        values = {row[header.index(column)] for row in rows}
        assert values <= {str(label) for label in choices.labels}, (name, values)
    _header, issues = sheet_rows(book, "issues")
    assert {row[4] for row in issues} == {"New"}
    assert {row[1] for row in issues} == {datetime.datetime(TODAY.year, TODAY.month, 1)}
    _header, briefs = sheet_rows(book, "briefs")
    assert briefs[0][3] == datetime.datetime.combine(TODAY, datetime.time())
    assert book["briefs"]["D2"].number_format == "d mmm yyyy"
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
        assert all(8 <= width <= 60 for width in widths), (sheet.title, widths)
    _header, themes = sheet_rows(book, "themes")
    longest = max(len(row[1]) for row in themes)
    assert book["themes"].column_dimensions["B"].width == longest + 2


def test_the_csv_files_say_statuses_in_words(busy_forum, steward):
    response = download(steward, forum=busy_forum, format="csv")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        issues = list(csv.DictReader(io.StringIO(archive.read("issues.csv").decode())))
        briefs = list(csv.DictReader(io.StringIO(archive.read("briefs.csv").decode())))
    assert {row["status"] for row in issues} == {"New"}
    assert [row["status"] for row in briefs] == ["Sent"]
    assert briefs[0]["sent"] == TODAY.isoformat()  # a CSV keeps ISO dates for other programs
