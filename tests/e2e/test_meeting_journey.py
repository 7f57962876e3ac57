"""A whole meeting in real browsers: a convenor on a laptop, three members on their phones."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import BallotReceipt, Meeting, ThemeIssue
from tests.conftest import require_service
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_accessible, login
from tests.factories import IssueFactory, MeetingFactory, MembershipFactory, with_totp

POLL = 10_000  # the live part polls every 3 s


@pytest.fixture
def forum_ready(db):
    from tests.factories import ForumFactory

    forum = ForumFactory(name="Children's Practitioner Forum", slug="childrens")
    convenor = MembershipFactory(forum=forum, role="convenor", user__display_name="Sam Convenor")
    secret = with_totp(convenor.user)
    leader = MembershipFactory(forum=forum, role="leader", user__display_name="Dr Clive Craig")
    with_totp(leader.user)
    members = [
        MembershipFactory(forum=forum, user__display_name=name).user
        for name in ("Priya Shah", "Tom Baker", "Ana Lopes")
    ]
    titles = [
        "Caseloads over 30 in assessment",
        "No time for statutory visits",
        "Laptops crash during visits",
    ]
    issues = [IssueFactory(forum=forum, title=title, author=members[0]) for title in titles]
    meeting = MeetingFactory(
        forum=forum,
        title="December forum meeting",
        starts_at=timezone.now() + timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=95),
    )
    return forum, convenor.user, secret, members, issues, meeting


def test_a_whole_meeting_from_review_to_published_minutes(
    new_page, live_server, forum_ready, one_request_at_a_time
):
    require_service(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    forum, convenor, secret, members, issues, meeting = forum_ready
    meeting_path = f"/f/{forum.slug}/meetings/{meeting.pk}/"

    chair = new_page()
    login(chair, live_server, convenor, totp_secret=secret, next_url=meeting_path)
    expect(chair.get_by_role("heading", level=1)).to_have_text("December forum meeting")
    assert_accessible(chair)
    chair.get_by_role("button", name="Start the meeting").click()
    expect(chair.get_by_role("heading", name="Now: Review")).to_be_visible()
    chair.get_by_role("button", name="I’m here").click()  # members are counted when they vote
    expect(chair.get_by_text("Caseloads over 30 in assessment")).to_be_visible()
    assert_accessible(chair)

    phones = []
    for person in members:
        phone = new_page(PHONE)
        login(phone, live_server, person, next_url=meeting_path)
        expect(phone.get_by_role("heading", name="Now: Review")).to_be_visible()
        phones.append(phone)
    assert_accessible(phones[0])

    # Group: create two themes, move one issue by keyboard alone and the others by select.
    chair.get_by_role("button", name="Move on to grouping").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Group issues into themes")
    for name in ("Caseloads", "IT equipment"):
        chair.get_by_label("Theme name").fill(name)
        chair.get_by_role("button", name="Create theme").click()
        expect(chair.get_by_role("heading", name=name, level=3)).to_be_visible()
    assert_accessible(chair)

    select = chair.get_by_label("Move “Caseloads over 30 in assessment” to")
    select.focus()
    chair.keyboard.type("Caseloads")
    chair.keyboard.press("Tab")
    chair.keyboard.press("Enter")
    expect(chair.get_by_role("status")).to_contain_text(
        "“Caseloads over 30 in assessment” moved to “Caseloads”."
    )
    expect(chair.get_by_label("Move “Caseloads over 30 in assessment” to")).to_be_focused()
    chair.get_by_label("Move “No time for statutory visits” to").select_option(label="Caseloads")
    chair.get_by_role("button", name="Move “No time for statutory visits”").click()
    expect(chair.get_by_role("status")).to_contain_text(
        "“No time for statutory visits” moved to “Caseloads”."
    )
    chair.get_by_label("Move “Laptops crash during visits” to").select_option(label="IT equipment")
    chair.get_by_role("button", name="Move “Laptops crash during visits”").click()
    expect(chair.get_by_role("status")).to_contain_text(
        "“Laptops crash during visits” moved to “IT equipment”."
    )
    assert ThemeIssue.objects.filter(theme__name="Caseloads").count() == 2
    assert_accessible(chair)
    chair.screenshot(path=ARTIFACTS / "meeting-group-board.png", full_page=True)

    # Members follow the grouping live, without reloading.
    expect(phones[1].locator("#live").get_by_text("IT equipment")).to_be_visible(timeout=POLL)

    # Vote.
    chair.goto(live_server.url + meeting_path)
    chair.get_by_role("button", name="Open voting").click()
    expect(chair.get_by_role("heading", name="Now: Vote")).to_be_visible()
    assert_accessible(chair)
    ballots = [("3", "2"), ("3", "1"), ("2", "0")]
    for index, (phone, (caseloads, it)) in enumerate(zip(phones, ballots, strict=True)):
        vote_link = phone.get_by_role("link", name="Vote now")
        expect(vote_link).to_be_visible(timeout=POLL)
        vote_link.click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Vote")
        if index == 0:
            phone.get_by_label("Caseloads").fill("3")
            phone.get_by_label("IT equipment").fill("3")
            expect(phone.get_by_text("That is 1 too many")).to_be_visible()
            phone.get_by_role("button", name="Send my vote").click()
            expect(phone.get_by_role("alert")).to_contain_text("You placed 6 dots but have 5 dots")
            expect(phone.get_by_label("IT equipment")).to_have_value("3")
            assert_accessible(phone)
            phone.screenshot(path=ARTIFACTS / "meeting-vote-error-375.png", full_page=True)
        phone.get_by_label("Caseloads").fill(caseloads)
        phone.get_by_label("IT equipment").fill(it)
        phone.get_by_role("button", name="Send my vote").click()
        expect(phone.get_by_role("status")).to_contain_text("your vote is counted")
        expect(phone.get_by_role("heading", name="Keep your ballot code")).to_be_visible()
        phone.get_by_role("link", name="Back to December forum meeting").click()
    assert BallotReceipt.objects.filter(meeting=meeting).count() == 3
    assert_accessible(phones[2])
    expect(chair.locator("#live")).to_contain_text("3 have voted", timeout=POLL)

    # Decide.
    chair.get_by_role("link", name="Close voting and show the results").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Close voting now?")
    chair.get_by_role("button", name="Yes, close voting now").click()
    expect(chair.get_by_role("heading", name="Now: Decide")).to_be_visible()
    expect(phones[0].locator("#live").get_by_role("cell", name="8")).to_be_visible(timeout=POLL)
    phones[0].screenshot(path=ARTIFACTS / "meeting-results-375.png", full_page=True)
    chair.get_by_role("link", name="Record decisions").click()
    expect(chair.get_by_role("heading", level=2).first).to_contain_text("Caseloads")
    assert_accessible(chair)
    caseloads = chair.locator("section.decision").first
    caseloads.get_by_label("Escalate to a senior leader").check()
    caseloads.get_by_label("Problem statement").fill("Assessment caseloads average 31 children.")
    caseloads.get_by_label(re.compile(r"^The ask")).fill("Agree a caseload cap of 22 by March.")
    caseloads.get_by_label("Senior leader to answer").select_option(label="Dr Clive Craig")
    caseloads.get_by_label("Response needed by").fill(
        (timezone.localdate() + timedelta(days=28)).isoformat()
    )
    caseloads.get_by_label("Who does what").fill("Sam drafts the brief by Friday")
    # Typed for the next theme before saving this one: saving one keeps the other's text.
    it_section = chair.locator("section.decision").nth(1)
    it_section.get_by_label("Who does what").fill("Tom asks IT for spare laptops")
    caseloads.get_by_role("button", name=re.compile("Record the decision")).click()
    expect(chair.get_by_role("status")).to_contain_text("Decision on “Caseloads” recorded.")
    expect(caseloads.get_by_text("Recorded: Escalate")).to_be_focused()
    expect(it_section.get_by_label("Who does what")).to_have_value("Tom asks IT for spare laptops")
    assert_accessible(chair)
    it_section.get_by_role("button", name=re.compile("Record the decision")).click()
    expect(it_section.locator(".error-summary")).to_be_visible()  # no outcome chosen yet
    expect(it_section.get_by_label("Who does what")).to_have_value("Tom asks IT for spare laptops")
    assert_accessible(chair)
    it_section.get_by_label("Resolve locally").check()
    it_section.get_by_role("button", name=re.compile("Record the decision")).click()
    expect(chair.get_by_role("status")).to_contain_text("Decision on “IT equipment” recorded.")

    # Close, check the minutes, publish, download the PDF.
    chair.goto(live_server.url + meeting_path)
    chair.get_by_role("link", name="Close the meeting and draft the minutes").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text(
        "Close the meeting and draft the minutes?"
    )
    expect(chair.get_by_text("Decisions are recorded for 2 of the 2 themes")).to_be_visible()
    assert_accessible(chair)
    chair.get_by_role("button", name="Yes, close the meeting").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Minutes: December forum meeting")
    assert_accessible(chair)
    chair.get_by_role("link", name="Publish and email members").click()
    assert_accessible(chair)
    chair.get_by_role("button", name="Yes, publish the minutes").click()
    expect(chair.get_by_role("status")).to_contain_text("Minutes published")
    with chair.expect_download() as download:
        chair.get_by_role("link", name="Download as PDF").click()
    pdf = download.value.path()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Caseloads: 8 dots" in text
    assert "Agree a caseload cap of 22 by March." in text
    assert "Tom asks IT for spare laptops" in text
    assert "4 people" in text  # three members and the convenor
    assert all(person.display_name not in text for person in members)

    expect(phones[0].get_by_role("link", name="Read the minutes")).to_be_visible(timeout=POLL)
    phones[0].get_by_role("link", name="Read the minutes").click()
    expect(phones[0].get_by_text("Agree a caseload cap of 22 by March.")).to_be_visible()
    assert_accessible(phones[0])
    assert Meeting.objects.get(pk=meeting.pk).phase == "closed"
