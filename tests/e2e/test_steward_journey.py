"""A steward takes a PDF summary home; the summaries stay out of a leader's reach."""

import datetime
import subprocess

from django.urls import reverse
from playwright.sync_api import expect

from forum_app.models import Role
from summaries.models import ExportRecord
from tests.e2e.conftest import assert_accessible, login
from tests.factories import (
    CategoryFactory,
    ForumFactory,
    IssueFactory,
    MembershipFactory,
    with_totp,
)


def test_steward_downloads_a_pdf_summary_and_a_leader_sees_none_of_it(
    new_page, live_server, db, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    forum = ForumFactory(name="Adults Practitioner Forum", slug="adults")
    caseloads = CategoryFactory(forum=forum, name="Caseloads")
    for _ in range(6):
        IssueFactory(forum=forum, category=caseloads)
    steward = MembershipFactory(forum=forum, role=Role.STEWARD).user
    leader = MembershipFactory(forum=forum, role=Role.LEADER).user
    member = MembershipFactory(forum=forum, role=Role.MEMBER).user
    steward_secret, leader_secret = with_totp(steward), with_totp(leader)
    today = datetime.date.today()

    page = new_page()
    login(page, live_server, steward, totp_secret=steward_secret, next_url="/exports/")
    expect(page.get_by_role("heading", name="Export summaries")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(forum.name).check()
    page.get_by_label("From").fill((today - datetime.timedelta(days=90)).isoformat())
    page.get_by_label("To").fill(today.isoformat())
    page.get_by_label("PDF summary report").check()
    page.get_by_role("button", name="Make the export").click()
    status = page.get_by_role("status").filter(has_text="Your file is ready.")
    expect(status).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download (PDF summary report)").click()
    path = info.value.path()
    content = path.read_bytes()
    assert content.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert forum.name in text
    assert "Caseloads" in text

    reader = new_page()
    login(reader, live_server, member, next_url=reverse("summaries:dashboard", args=[forum.slug]))
    expect(reader.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(reader)

    record = ExportRecord.objects.get(user=steward)
    boss = new_page()
    login(boss, live_server, leader, totp_secret=leader_secret)
    for url in (
        "/exports/",
        reverse("exports:job", args=[record.pk]),
        reverse("exports:download", args=[record.pk]),
        reverse("summaries:dashboard", args=[forum.slug]),
        reverse("summaries:pulse", args=[forum.slug]),
    ):
        assert boss.goto(f"{live_server.url}{url}").status == 404, url
