"""A member who was not at the meeting votes from a phone during the voting window."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings import services
from meetings.models import Attendance, BallotReceipt, Phase
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, assert_accessible, login
from tests.factories import ForumFactory, IssueFactory, MeetingFactory, MembershipFactory
from tests.meetings.conftest import advance_to


@pytest.fixture
def vote_after_the_meeting(db):
    """A meeting that ended an hour ago; its voting window is still open."""
    forum = ForumFactory(name="Adults' Practitioner Forum", slug="adults")
    convenor = MembershipFactory(forum=forum, role="convenor").user
    remote = MembershipFactory(forum=forum, user__display_name="Jo Remote").user
    start = timezone.now() - timedelta(hours=2)
    meeting = MeetingFactory(
        forum=forum, title="November meeting", starts_at=start, ends_at=start + timedelta(hours=1)
    )
    meeting = advance_to(meeting, convenor, Phase.GROUP)
    for name, titles in {
        "Caseloads": ["Caseloads over 30 in hospital discharge", "No time for reviews"],
        "IT systems": ["Laptops crash during visits"],
        "Lone working": ["No buddy system after 6pm"],
    }.items():
        theme = services.theme_create(meeting=meeting, actor=convenor, name=name)
        for title in titles:
            issue = IssueFactory(forum=forum, title=title, body=f"{title}. It happens weekly.")
            services.issue_move(meeting=meeting, actor=convenor, issue=issue, theme=theme)
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    return forum, remote, meeting


def test_a_member_who_missed_the_meeting_votes_from_a_phone_by_touch_and_keyboard(
    new_page, live_server, vote_after_the_meeting
):
    forum, remote, meeting = vote_after_the_meeting
    vote_path = f"/f/{forum.slug}/meetings/{meeting.pk}/vote/"
    phone = new_page(PHONE, has_touch=True)
    login(phone, live_server, remote, next_url=vote_path)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Vote")
    expect(phone.get_by_text(re.compile(r"^Voting closes \w+day"))).to_be_visible()
    assert_accessible(phone)

    # Each theme opens to show its issues.
    phone.get_by_text("The 2 issues in Caseloads").tap()
    expect(phone.get_by_role("link", name="No time for reviews")).to_be_visible()

    # Dots by tapping + and −, on targets at least 44 px square; the counter says what is left.
    plus = phone.get_by_role("button", name="Add a dot to Caseloads")
    box = plus.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    plus.tap()
    plus.tap()
    plus.tap()
    plus.tap()  # a fourth is more than one theme takes
    expect(phone.get_by_label("Caseloads")).to_have_value("3")
    phone.get_by_role("button", name="Take a dot off Caseloads").tap()
    expect(phone.get_by_label("Caseloads")).to_have_value("2")
    remaining = phone.locator("[data-remaining]")
    expect(remaining).to_have_text("You have 3 dots left.")
    # The counter stays in view while scrolling down the ballot.
    phone.get_by_role("button", name="Add a dot to Lone working").scroll_into_view_if_needed()
    assert remaining.bounding_box()["y"] >= 0
    expect(remaining).to_be_in_viewport()

    # By keyboard: from the IT systems box, Tab reaches its + button; Space presses it.
    phone.get_by_label("IT systems").focus()
    phone.keyboard.press("Tab")
    phone.keyboard.press("Space")
    phone.keyboard.press("Space")
    expect(phone.get_by_label("IT systems")).to_have_value("2")
    expect(remaining).to_have_text("You have 1 dot left.")
    phone.screenshot(path=ARTIFACTS / "remote-vote-375.png", full_page=True)

    phone.get_by_role("button", name="Send my vote").tap()
    expect(phone.get_by_role("status")).to_contain_text("your vote is counted")
    code = phone.locator(".ballot-code .code").inner_text().strip()
    assert len(code) == 19
    assert_accessible(phone)
    assert BallotReceipt.objects.filter(meeting=meeting, user=remote).exists()
    assert not Attendance.objects.filter(meeting=meeting, user=remote).exists()

    # Changing the vote with the code, typed as a person might.
    phone.get_by_label("Lone working").fill("1")
    phone.get_by_label("Your ballot code").fill(code.lower().replace("-", " "))
    phone.get_by_role("button", name="Change my vote").tap()
    expect(phone.get_by_role("status")).to_contain_text("Your vote is changed")
    assert BallotReceipt.objects.filter(meeting=meeting).count() == 1
    assert_accessible(phone)

    # The forum home says voting is open and that they have voted, and takes their reply
    # for the next meeting.
    MeetingFactory(forum=forum, title="December meeting")
    phone.goto(f"/f/{forum.slug}/")
    expect(phone.get_by_text(re.compile(r"^Voting is open — closes"))).to_be_visible()
    expect(phone.get_by_text("(you have voted)")).to_be_visible()
    phone.get_by_role("button", name="I'll vote remotely").tap()
    expect(phone.get_by_role("status")).to_contain_text("you will vote remotely")
    assert_accessible(phone)
    phone.screenshot(path=ARTIFACTS / "forum-home-voting-375.png", full_page=True)

    laptop = new_page(DESKTOP)
    login(laptop, live_server, remote, next_url=vote_path)
    expect(laptop.get_by_role("heading", name="Change your vote")).to_be_visible()
    assert_accessible(laptop)
    laptop.screenshot(path=ARTIFACTS / "remote-vote-1280.png", full_page=True)
    laptop.goto(f"/f/{forum.slug}/")
    expect(laptop.get_by_text("You said you will vote remotely.")).to_be_visible()
    assert_accessible(laptop)
    laptop.screenshot(path=ARTIFACTS / "forum-home-voting-1280.png", full_page=True)
