"""Exports as background jobs, and the PDF summary report."""

import datetime
import subprocess

import pytest
from django.urls import reverse

from forum_app.models import Role
from issues.models import Issue
from summaries import services
from summaries.models import ExportRecord, ExportStatus
from summaries.report import RefusingFetcher
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, with_totp
from tests.summaries import test_exports
from tests.summaries.test_exports import PERIOD, URL, download

pytestmark = pytest.mark.django_db
busy_forum = test_exports.busy_forum


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def test_the_pdf_summary_names_the_forum_and_period_and_no_person(busy_forum, steward, member):
    response = download(steward, forum=busy_forum, format="pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert busy_forum.name in text
    assert "Forum summary report" in text
    assert "Page 1 of" in text
    for heading in ("Issues raised by month", "Issues by category", "Meetings", "Commitments"):
        assert heading in text
    authors = {i.author for i in Issue.objects.exclude(author=None).select_related("author")}
    for person in authors | {member, steward}:
        assert person.display_name not in text
        assert person.email not in text


def test_the_pdf_folds_small_categories(busy_forum, steward):
    text = pdf_text(download(steward, forum=busy_forum, format="pdf").content)
    assert "Caseloads" in text
    assert "Lifts" not in text
    assert "Other (fewer than 5)" in text


def test_the_pdf_fetches_nothing_but_its_own_charts(busy_forum, steward, monkeypatch):
    seen = []
    original = RefusingFetcher.fetch

    def watching(self, url, headers=None):
        seen.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(RefusingFetcher, "fetch", watching)
    download(steward, forum=busy_forum, format="pdf")
    assert seen and all(url.startswith("data:image/svg+xml;base64,") for url in seen)


def test_a_queued_export_shows_progress_that_polls(forum, steward):
    record = services.export_record(
        actor=steward,
        forums=[forum],
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 3, 31),
        format="csv",
    )
    client = client_for(steward)
    page = client.get(reverse("exports:job", args=[record.pk])).content.decode()
    assert 'role="status"' in page
    assert 'hx-trigger="every 2s"' in page
    assert "<progress" in page
    partial = client.get(reverse("exports:job", args=[record.pk]), headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="export-status"') and "<html" not in body
    assert client.get(reverse("exports:download", args=[record.pk])).status_code == 404


def test_a_finished_export_stops_polling_and_links_the_file(busy_forum, steward):
    download(steward, forum=busy_forum, format="csv")
    record = ExportRecord.objects.get()
    assert (record.status, record.progress) == (ExportStatus.DONE, 100)
    assert record.file_name.startswith("exports/") and record.file_name.endswith(".zip")
    page = client_for(steward).get(reverse("exports:job", args=[record.pk])).content.decode()
    assert "every 2s" not in page
    assert reverse("exports:download", args=[record.pk]) in page


def test_another_steward_gets_404_on_someone_elses_export(busy_forum, steward):
    download(steward, forum=busy_forum, format="csv")
    record = ExportRecord.objects.get()
    other = UserFactory()
    MembershipFactory(forum=busy_forum, user=other, role=Role.STEWARD)
    with_totp(other)
    assert client_for(other).get(URL).status_code == 200
    client = client_for(other)
    assert client.get(reverse("exports:job", args=[record.pk])).status_code == 404
    assert client.get(reverse("exports:download", args=[record.pk])).status_code == 404


def test_a_failed_export_says_so_and_offers_no_file(forum, steward, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "export_file", broken)
    client = client_for(steward)
    response = client.post(URL, {"forums": [forum.pk], "format": "csv"} | PERIOD, follow=True)
    record = ExportRecord.objects.get()
    assert record.status == ExportStatus.FAILED
    assert "The export could not be made. Please try again." in response.content.decode()
    assert "disk full" not in response.content.decode()
    assert client.get(reverse("exports:download", args=[record.pk])).status_code == 404


def test_running_a_finished_export_again_changes_nothing(busy_forum, steward):
    download(steward, forum=busy_forum, format="csv")
    record = ExportRecord.objects.get()
    services.export_run(record_id=record.pk)
    assert ExportRecord.objects.get().file_name == record.file_name
