"""Keyboard only: raising an issue, supporting one and running a whole meeting.

After the first page load nothing is clicked, filled or focused from the test: every step is
a key press, as for someone who does not use a mouse. ``tab_to`` presses Tab until the wanted
control has focus, which also shows that it can be reached. After each change made in place
(htmx), focus must sit on the control just used, its replacement or a sensible heading or
message, never on ``<body>``, and the status region must say what happened.
"""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from forum_app.models import Role
from issues.models import Issue, Support
from issues.services import forum_defaults_create
from meetings.models import BallotReceipt, Decision, Meeting, ThemeIssue
from tests.e2e.conftest import totp_code
from tests.factories import PASSWORD, ForumFactory, IssueFactory, MembershipFactory, with_totp

DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el) return "nothing";
  if (el === document.body) return "<body>";
  const labelled = el.labels && el.labels.length ? el.labels[0].textContent : "";
  const label = el.getAttribute("aria-label") || labelled || el.textContent || el.value || "";
  return "<" + el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "> "
    + label.trim().replace(/\\s+/g, " ").slice(0, 70);
}"""

Target = Locator | Callable[[Page], bool]


def focused(page: Page) -> str:
    """What has focus now, for messages: tag, id and name."""
    return page.evaluate(DESCRIBE_FOCUS)


def has_focus(page: Page, target: Target) -> bool:
    if isinstance(target, Locator):
        return target.evaluate_all("els => els.some(el => el === document.activeElement)")
    return target(page)


def tab_to(page: Page, target: Target, max_presses: int = 40, *, key: str = "Tab") -> None:
    """Press Tab (or ``key``) until ``target`` has focus; fail listing where focus went."""
    seen = [focused(page)]
    for _ in range(max_presses):
        if has_focus(page, target):
            return
        page.keyboard.press(key)
        seen.append(focused(page))
    if has_focus(page, target):
        return
    path = "\n  ".join(seen)
    pytest.fail(f"{target} not reached after {max_presses} presses of {key}. Focus went:\n  {path}")


def assert_focus_kept(page: Page, *sensible: Target, when: str) -> None:
    """After a change in place, focus is on one of ``sensible`` (and never lost to <body>)."""
    for _ in range(20):  # htmx settles a moment after the swap
        if any(has_focus(page, target) for target in sensible):
            return
        page.wait_for_timeout(100)
    pytest.fail(f"After {when}, focus is on {focused(page)}, expected one of {sensible}")


def assert_announced(page: Page, text: str | re.Pattern) -> None:
    """``text`` reached a polite live region (the page's status messages)."""
    status = page.locator("#messages")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_contain_text(text)


def press_and_load(page: Page, key: str) -> None:
    """Press ``key`` on a link or submit button and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def sign_in(page: Page, live_server, user, totp_secret: str | None = None, next_url: str = ""):
    """Sign in as a person would: type the address, Tab through the form, press Enter."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    press_and_load(page, "Enter")
    if totp_secret:
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        tab_to(page, page.get_by_label("Code"))
        # The code is read off the "app" at the moment it is typed, as a person would.
        code = totp_code(totp_secret)
        cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
        page.keyboard.type(code)
        press_and_load(page, "Enter")
    assert "/accounts/" not in page.url, f"sign-in failed for {user.email}: {page.url}"


def follow_link(page: Page, name: str | re.Pattern, max_presses: int = 40) -> None:
    link = page.get_by_role("link", name=name)
    tab_to(page, link, max_presses)
    press_and_load(page, "Enter")


# Raising an issue


@pytest.fixture
def forum_with_issue():
    forum = ForumFactory(name="Children's Practitioner Forum", slug="childrens")
    forum_defaults_create(forum=forum)
    raiser = MembershipFactory(forum=forum, role=Role.MEMBER, user__display_name="Amira Hussain")
    other = MembershipFactory(forum=forum, role=Role.MEMBER, user__display_name="Ben Clarke")
    existing = IssueFactory(
        forum=forum,
        author=other.user,
        title="Caseloads in the assessment team are over 30 children",
        body="Each social worker in the assessment team holds more than 30 children.",
    )
    return forum, raiser.user, existing


def test_raise_an_issue_and_support_one_by_keyboard(page, live_server, forum_with_issue):
    forum, raiser, existing = forum_with_issue
    sign_in(page, live_server, raiser)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your forums")
    follow_link(page, forum.name)
    follow_link(page, "Raise an issue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise an issue")

    # "Is this already raised?" answers while the title is typed, without taking focus:
    # keep typing through the swap and every key still lands in the title.
    title = page.get_by_label("Title:", exact=True)
    tab_to(page, title)
    typed = "Assessment caseloads are over 30 children"
    similar = page.locator("#similar-issues")
    # The list is not a live region (it would be read out whole after every pause); a short
    # count is said instead, and only when it changes.
    expect(similar).not_to_have_attribute("aria-live", re.compile("."))
    said = page.locator("#similar-status")
    expect(said).to_have_attribute("role", "status")
    before = similar.inner_text()
    with page.expect_request(re.compile(r"/issues/similar/")):
        page.keyboard.type(typed)
    more = " in every team we know of, and rising every month"
    page.keyboard.type(more, delay=40)
    assert similar.inner_text() != before, "the answer should arrive while typing goes on"
    expect(title).to_be_focused()
    expect(title).to_have_value(typed + more)
    expect(similar).to_contain_text("1 open issue looks like yours", timeout=10_000)
    expect(said).to_have_text("1 similar issue found.")
    expect(similar.get_by_role("link", name=existing.title)).to_be_visible()
    expect(title).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("What happens")).to_be_focused()
    page.keyboard.type("We each hold 31 to 34 children. Statutory visits slip.")
    tab_to(page, page.get_by_label("Impact on people who use services and on staff"))
    # Leave the impact empty and skip the choice of name: the form must say so.
    tab_to(page, page.get_by_label("Proposed solution"))
    page.keyboard.type("Publish a caseload cap of 22.")
    tab_to(page, page.get_by_label("Category"))
    page.keyboard.type("Caseloads")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Service area")).to_be_focused()
    page.keyboard.type("Children")
    expect(page.get_by_label("Category")).to_have_value(re.compile(r"\d+"))
    submit = page.get_by_role("button", name="Raise the issue")
    tab_to(page, submit)
    press_and_load(page, "Enter")

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose whether to raise this under your name")
    assert_focus_kept(
        page,
        summary,
        page.get_by_label("Impact on people who use services and on staff"),
        when="a refused submission",
    )
    impact = page.get_by_label("Impact on people who use services and on staff")
    expect(impact).to_have_attribute("aria-invalid", "true")
    expect(impact).to_have_accessible_description(re.compile(r"^Say what the impact is\. "))
    named = page.get_by_label(re.compile(r"^Under my name"))
    anonymous = page.get_by_label("Anonymously", exact=True)
    identity = page.get_by_role("group", name="Raise it under your name or anonymously?")
    expect(identity).to_have_accessible_description(re.compile("^Choose whether to raise"))
    expect(named).to_have_attribute("aria-invalid", "true")

    # The summary links to each field; Enter on one moves focus there.
    follow = summary.get_by_role("link", name=re.compile("^Impact"))
    tab_to(page, follow, 5)
    page.keyboard.press("Enter")
    expect(impact).to_be_focused()
    page.keyboard.type("Children wait weeks for a visit.")
    expect(page.get_by_label("Title:", exact=True)).to_have_value(typed + more)

    # The choice of name is a radio group: Tab into it, arrows move the choice.
    tab_to(page, named)
    page.keyboard.press("ArrowDown")
    expect(anonymous).to_be_checked()
    expect(anonymous).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(named).to_be_checked()
    tab_to(page, submit)
    press_and_load(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(typed + more)
    assert_announced(page, "Your issue has been raised.")
    # A new page starts at the top: the first Tab reaches the skip link.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert Issue.objects.get(title=typed + more).author == raiser

    # "Me too" on the issue that was there first: the button is replaced in place.
    # On the way, search as you type: results change under the field, focus stays in it.
    follow_link(page, "All issues")
    search = page.get_by_label("Search")
    tab_to(page, search)
    with page.expect_response(re.compile(r"/issues/\?q=")):
        page.keyboard.type("social")
    page.keyboard.type(" worker")
    expect(page).to_have_url(re.compile(r"q=social(\+|%20)worker"))
    results = page.locator("#results-heading")
    expect(results).to_have_text("1 issue")
    expect(search).to_be_focused()
    expect(search).to_have_value("social worker")
    assert_announced(page, "1 issue")
    follow_link(page, existing.title)
    expect(page.get_by_role("heading", level=1)).to_have_text(existing.title)
    me_too = page.get_by_role("button", name="Me too", exact=True)
    withdraw = page.get_by_role("button", name=re.compile("you support this"))
    tab_to(page, me_too)
    page.keyboard.press("Enter")
    expect(page.locator("#support-count")).to_have_text("1 person supports this")
    assert_focus_kept(page, withdraw, when="supporting the issue")
    expect(withdraw).to_have_attribute("aria-pressed", "true")
    assert_announced(page, "You support this issue.")
    assert Support.objects.filter(issue=existing, user=raiser).exists()

    page.keyboard.press("Space")
    expect(page.locator("#support-count")).to_have_text("0 people support this")
    assert_focus_kept(page, me_too, when="withdrawing support")
    assert_announced(page, "You no longer support this issue.")
    page.keyboard.press("Enter")
    assert_focus_kept(page, withdraw, when="supporting the issue again")
    assert_announced(page, "You support this issue.")
    expect(page.locator("#support-count")).to_have_text("1 person supports this")


# A whole meeting

POLL = 10_000  # the live part polls every 3 s


@pytest.fixture
def forum_for_meeting():
    forum = ForumFactory(name="Children's Practitioner Forum", slug="childrens")
    convenor = MembershipFactory(forum=forum, role=Role.CONVENOR, user__display_name="Sam Convenor")
    secret = with_totp(convenor.user)
    leader = MembershipFactory(forum=forum, role=Role.LEADER, user__display_name="Dr Clive Craig")
    with_totp(leader.user)
    members = [
        MembershipFactory(forum=forum, user__display_name=name).user
        for name in ("Priya Shah", "Tom Baker")
    ]
    for title in (
        "Caseloads over 30 in assessment",
        "No time for statutory visits",
        "Laptops crash during visits",
    ):
        IssueFactory(forum=forum, title=title, author=members[0])
    return forum, convenor.user, secret, members


def test_a_whole_meeting_by_keyboard(
    new_page, live_server, forum_for_meeting, one_request_at_a_time
):
    forum, convenor, secret, (priya, tom) = forum_for_meeting
    live_heading = "#live-heading"

    # Arrange the meeting.
    chair = new_page()
    sign_in(chair, live_server, convenor, secret, next_url=f"/f/{forum.slug}/meetings/")
    follow_link(chair, "Arrange a meeting")
    tab_to(chair, chair.get_by_label("Title"))
    chair.keyboard.press("Control+A")
    chair.keyboard.type("December forum meeting")
    tab_to(chair, chair.get_by_label("Place"))
    chair.keyboard.type("Room 4, Civic Centre")
    press_and_load(chair, "Enter")
    expect(chair.get_by_role("heading", level=1)).to_have_text("December forum meeting")
    assert_announced(chair, "Meeting arranged.")
    meeting = Meeting.objects.get(title="December forum meeting")
    meeting_path = meeting.get_absolute_url()

    # Two members open the meeting page. Priya leaves focus where the page put it; Tom moves
    # on to the calendar link, which no live update may take focus from.
    phones = {}
    for person in (priya, tom):
        phones[person] = new_page()
        sign_in(phones[person], live_server, person, next_url=meeting_path)
        expect(phones[person].get_by_role("heading", name="Now: Scheduled")).to_be_visible()
    priya_page, tom_page = phones[priya], phones[tom]
    calendar = tom_page.get_by_role("link", name="Add to your calendar")
    tab_to(tom_page, calendar)

    # Start: the chair's page reloads; members' live part follows and says so.
    tab_to(chair, chair.get_by_role("button", name="Start the meeting"))
    press_and_load(chair, "Enter")
    expect(chair.get_by_role("heading", name="Now: Review")).to_be_visible()
    assert_announced(chair, "The meeting has started")
    expect(priya_page.get_by_role("heading", name="Now: Review")).to_be_visible(timeout=POLL)
    assert_focus_kept(priya_page, priya_page.locator(live_heading), when="the meeting started")
    assert_announced(priya_page, "Now: Review")
    expect(tom_page.get_by_role("heading", name="Now: Review")).to_be_visible(timeout=POLL)
    assert_focus_kept(tom_page, calendar, when="the meeting started (focus outside the live part)")

    # Group: make two themes, then move each issue with its select and Move button.
    tab_to(chair, chair.get_by_role("button", name="Move on to grouping"))
    press_and_load(chair, "Enter")
    expect(chair.get_by_role("heading", level=1)).to_have_text("Group issues into themes")
    for name, key in (("Caseloads", "Enter"), ("IT equipment", "Tab")):
        tab_to(chair, chair.get_by_label("Theme name"), 60)
        chair.keyboard.type(name)
        if key == "Tab":  # the second time, press the button rather than Enter in the field
            chair.keyboard.press("Tab")
            expect(chair.get_by_role("button", name="Create theme")).to_be_focused()
        chair.keyboard.press("Enter")
        theme = chair.locator(".theme-list > li").filter(
            has=chair.get_by_role("heading", name=name, level=3)
        )
        expect(theme).to_be_visible()
        assert_focus_kept(chair, theme, when=f"creating {name}")
        assert_announced(chair, name)

    moves = [
        ("Caseloads over 30 in assessment", "Caseloads"),
        ("No time for statutory visits", "Caseloads"),
        ("Laptops crash during visits", "IT equipment"),
    ]
    for title, name in moves:
        select = chair.get_by_label(f"Move “{title}” to")
        tab_to(chair, select, 60)
        chair.keyboard.type(name)
        expect(select.locator("option:checked")).to_have_text(name)
        chair.keyboard.press("Tab")
        expect(chair.get_by_role("button", name=f"Move “{title}”")).to_be_focused()
        chair.keyboard.press("Enter")
        assert_announced(chair, f"“{title}” moved to “{name}”.")
        assert_focus_kept(chair, chair.get_by_label(f"Move “{title}” to"), when=f"moving {title}")
    assert ThemeIssue.objects.filter(theme__name="Caseloads").count() == 2

    # Members follow the grouping live; focus stays where each of them left it.
    expect(priya_page.locator("#live").get_by_text("IT equipment")).to_be_visible(timeout=POLL)
    assert_focus_kept(priya_page, priya_page.locator(live_heading), when="themes appeared")
    expect(tom_page.locator("#live").get_by_text("IT equipment")).to_be_visible(timeout=POLL)
    assert_focus_kept(tom_page, calendar, when="themes appeared")

    # Vote: the chair opens voting from the meeting page.
    follow_link(chair, "Back to December forum meeting", 60)
    tab_to(chair, chair.get_by_role("button", name="Open voting"))
    press_and_load(chair, "Enter")
    expect(chair.get_by_role("heading", name="Now: Vote")).to_be_visible()
    expect(priya_page.get_by_role("heading", name="Now: Vote")).to_be_visible(timeout=POLL)
    assert_focus_kept(priya_page, priya_page.locator(live_heading), when="voting opened")
    assert_announced(priya_page, "Now: Vote")
    expect(tom_page.get_by_role("heading", name="Now: Vote")).to_be_visible(timeout=POLL)
    assert_focus_kept(tom_page, calendar, when="voting opened")

    # Priya waits on "Vote now" while Tom votes; the live update keeps her there.
    priya_vote = priya_page.get_by_role("link", name="Vote now")
    tab_to(priya_page, priya_vote)
    follow_link(tom_page, "Vote now")
    expect(tom_page.get_by_role("heading", level=1)).to_have_text("Vote")
    remaining = tom_page.locator("[data-remaining]")
    expect(remaining).to_have_attribute("aria-live", "polite")
    tab_to(tom_page, tom_page.get_by_label("Caseloads"))
    for _ in range(3):
        tom_page.keyboard.press("ArrowUp")
    expect(tom_page.get_by_label("Caseloads")).to_have_value("3")
    expect(remaining).to_have_text("You have 2 dots left.")
    it_dots = tom_page.get_by_label("IT equipment")
    tab_to(tom_page, tom_page.get_by_role("button", name="Add a dot to IT equipment"))
    tom_page.keyboard.press("Enter")
    expect(it_dots).to_have_value("1")
    expect(remaining).to_have_text("You have 1 dot left.")
    tab_to(tom_page, it_dots, key="Shift+Tab")
    tom_page.keyboard.press("Control+A")
    tom_page.keyboard.type("3")
    expect(remaining).to_have_text("That is 1 too many. Take some dots off.")
    press_and_load(tom_page, "Enter")  # sent anyway: refused, and the page says why
    summary = tom_page.locator(".error-summary")
    expect(summary).to_contain_text("You placed 6 dots but have 5 dots")
    assert_focus_kept(tom_page, summary, when="a refused ballot")
    expect(it_dots).to_have_value("3")
    tab_to(tom_page, it_dots)
    tom_page.keyboard.press("ArrowDown")
    expect(tom_page.locator("[data-remaining]")).to_have_text("You have 0 dots left.")
    press_and_load(tom_page, "Enter")
    assert_announced(tom_page, "your vote is counted")

    expect(priya_page.locator("#live")).to_contain_text("1 has voted", timeout=POLL)
    assert_focus_kept(priya_page, priya_vote, when="the live part changed under “Vote now”")
    press_and_load(priya_page, "Enter")
    tab_to(priya_page, priya_page.get_by_label("Caseloads"))
    priya_page.keyboard.type("3")
    tab_to(priya_page, priya_page.get_by_label("IT equipment"))
    priya_page.keyboard.type("2")
    press_and_load(priya_page, "Enter")
    assert_announced(priya_page, "your vote is counted")
    assert BallotReceipt.objects.filter(meeting=meeting).count() == 2
    follow_link(priya_page, "Back to December forum meeting")

    # Decide: the chair waits on the button while the count updates beside it.
    close_voting = chair.get_by_role("link", name="Close voting and show the results")
    tab_to(chair, close_voting)
    expect(chair.locator("#live")).to_contain_text("2 have voted", timeout=POLL)
    assert_focus_kept(chair, close_voting, when="the vote count changed")
    press_and_load(chair, "Enter")
    expect(chair.get_by_role("heading", level=1)).to_have_text("Close voting now?")
    tab_to(chair, chair.get_by_role("button", name="Yes, close voting now"))
    press_and_load(chair, "Enter")
    expect(chair.get_by_role("heading", name="Now: Decide")).to_be_visible()
    expect(priya_page.locator("#live").get_by_role("cell", name="6")).to_be_visible(timeout=POLL)
    assert_focus_kept(priya_page, priya_page.locator(live_heading), when="the results came")
    assert_announced(priya_page, "Now: Decide")

    follow_link(chair, "Record decisions")
    caseloads = chair.locator("section.decision").first
    expect(caseloads.get_by_role("heading", level=2)).to_contain_text("Caseloads")
    tab_to(chair, caseloads.get_by_label("Escalate to a senior leader"))
    chair.keyboard.press("Space")
    expect(caseloads.get_by_label("Escalate to a senior leader")).to_be_checked()
    tab_to(chair, caseloads.get_by_label("Problem statement"))
    chair.keyboard.type("Assessment caseloads average 31 children.")
    tab_to(chair, caseloads.get_by_label(re.compile(r"^The ask")))
    chair.keyboard.type("Agree a caseload cap of 22 by March.")
    tab_to(chair, caseloads.get_by_label("Senior leader to answer"))
    chair.keyboard.type("Dr Clive")
    response_by = caseloads.get_by_label("Response needed by")
    chair.keyboard.press("Tab")
    expect(response_by).to_be_focused()
    # A date whose day and month are the same types alike in day/month and month/day order.
    due = next(
        day
        for day in (timezone.localdate() + timedelta(days=n) for n in range(14, 400))
        if day.day == day.month
    )
    chair.keyboard.type(due.strftime("%d%m%Y"))
    expect(response_by).to_have_value(due.isoformat())
    tab_to(chair, caseloads.get_by_role("button", name=re.compile("Record the decision")))
    chair.keyboard.press("Enter")
    assert_announced(chair, "Decision on “Caseloads” recorded.")
    # Saved in place: focus moves to what was recorded, in the same theme.
    expect(caseloads.get_by_text("Recorded: Escalate")).to_be_focused()

    it_section = chair.locator("section.decision").nth(1)
    resolve = it_section.get_by_label("Resolve locally")
    tab_to(chair, it_section.get_by_label("Escalate to a senior leader"), 60)
    chair.keyboard.press("ArrowDown")
    expect(resolve).to_be_checked()
    expect(resolve).to_be_focused()
    tab_to(chair, it_section.get_by_label("Who does what"))
    chair.keyboard.type("Tom asks IT for spare laptops")
    chair.keyboard.press("Enter")  # Enter in a theme's field saves that theme
    assert_announced(chair, "Decision on “IT equipment” recorded.")
    expect(it_section.get_by_text("Recorded: Resolve locally")).to_be_focused()
    assert Decision.objects.filter(meeting=meeting).count() == 2

    # Close, publish; members reach the minutes from the live part.
    follow_link(chair, "Back to December forum meeting")
    follow_link(chair, "Close the meeting and draft the minutes")
    tab_to(chair, chair.get_by_role("button", name="Yes, close the meeting"))
    press_and_load(chair, "Enter")
    expect(chair.get_by_role("heading", level=1)).to_have_text("Minutes: December forum meeting")
    follow_link(chair, "Publish and email members", 60)
    tab_to(chair, chair.get_by_role("button", name="Yes, publish the minutes"))
    press_and_load(chair, "Enter")
    assert_announced(chair, "Minutes published")

    read = priya_page.get_by_role("link", name="Read the minutes")
    expect(read).to_be_visible(timeout=POLL)
    assert_focus_kept(priya_page, priya_page.locator(live_heading), when="the meeting closed")
    assert_announced(priya_page, "Now: Closed")
    tab_to(priya_page, read)
    press_and_load(priya_page, "Enter")
    expect(priya_page.get_by_text("Agree a caseload cap of 22 by March.")).to_be_visible()
    assert Meeting.objects.get(pk=meeting.pk).phase == "closed"
