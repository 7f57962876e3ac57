"""The live meeting part is replaced at each change, yet a person's focus stays where it was.

Each update here is a real poll that brings a changed live part (someone else arrives, or
votes); the focused element is watched for the slightest loss of focus (a ``focusout``) and
must be the very same node after ten updates. Counts are read out only when voting opens or
closes, or when asked for; never at every poll.
"""

import re

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.models import Phase
from tests.e2e.conftest import login
from tests.factories import MembershipFactory
from tests.meetings.conftest import advance_to, grouped_meeting

# Marks the focused node and counts every time focus leaves it or the status region speaks.
WATCH_FOCUS = """
() => {
  // Called once the page has settled, after its own "signed in" message has been put back.
  window.__watched = document.activeElement;
  window.__focusLost = 0;
  window.__watched.addEventListener("focusout", () => { window.__focusLost += 1; });
  window.__said = [];
  new MutationObserver(() => {
    window.__said.push(document.getElementById("messages").textContent.trim());
  }).observe(document.getElementById("messages"), {childList: true, subtree: true});
}
"""


def watch_focus(page) -> None:
    expect(page.get_by_role("status")).to_contain_text("signed in")
    page.evaluate(WATCH_FOCUS)


def poll_once(page, expected_text: str) -> None:
    """Forget the version the page holds, so the next poll brings the changed live part."""
    page.locator("#live").evaluate("live => live.removeAttribute('data-etag')")
    with page.expect_response(re.compile(r"/live/$"), timeout=10_000):
        pass
    expect(page.locator("#live [data-live-count]")).to_contain_text(expected_text)
    page.wait_for_function("() => !document.querySelector('#live.htmx-settling')")


def someone_arrives(meeting, forum) -> None:
    services.meeting_attend(meeting=meeting, user=MembershipFactory(forum=forum).user)


@pytest.fixture
def vote_open(forum, convenor, member):
    meeting, themes = grouped_meeting(forum, convenor)
    meeting = advance_to(meeting, convenor, Phase.VOTE)
    return meeting, themes


def test_the_focused_vote_link_keeps_focus_through_ten_updates(
    page, live_server, forum, member, vote_open
):
    meeting, _ = vote_open
    login(page, live_server, member, next_url=meeting.get_absolute_url())
    vote_link = page.get_by_role("link", name="Vote now")
    vote_link.focus()
    watch_focus(page)

    for arrived in range(1, 11):
        someone_arrives(meeting, forum)
        poll_once(page, f"{arrived} {'person' if arrived == 1 else 'people'} here")

    assert page.evaluate("document.activeElement === window.__watched")
    assert page.evaluate("window.__focusLost") == 0
    expect(vote_link).to_be_focused()
    assert page.evaluate("window.__said") == []


def test_the_focused_results_table_keeps_focus_while_counts_change(
    page, live_server, forum, convenor, member, vote_open
):
    meeting, themes = vote_open
    services.ballot_cast(meeting=meeting, voter=member, allocations={themes[0].pk: 3})
    meeting = advance_to(meeting, convenor, Phase.DECIDE)
    login(page, live_server, member, next_url=meeting.get_absolute_url())
    results = page.get_by_role("region", name="Results")
    results.focus()
    watch_focus(page)

    for arrived in range(2, 12):
        someone_arrives(meeting, forum)
        poll_once(page, f"{arrived} people here")

    assert page.evaluate("document.activeElement === window.__watched")
    assert page.evaluate("window.__focusLost") == 0
    assert page.evaluate("window.__said") == []


def test_when_the_focused_part_itself_changes_focus_moves_to_its_new_version(
    page, live_server, forum, convenor, member, vote_open
):
    meeting, themes = vote_open
    services.ballot_cast(meeting=meeting, voter=member, allocations={themes[0].pk: 3})
    meeting = advance_to(meeting, convenor, Phase.DECIDE)
    login(page, live_server, member, next_url=meeting.get_absolute_url())
    page.get_by_role("region", name="Results").focus()

    services.decision_record(
        meeting=meeting,
        actor=convenor,
        theme=themes[0],
        data=services.DecisionData(outcome="monitor", owner="Sam"),
    )
    poll_once(page, "1 person here")

    expect(page.get_by_role("region", name="Results")).to_be_focused()
    expect(page.get_by_role("region", name="Results")).to_contain_text("Monitor")


def test_counts_are_read_out_when_voting_closes_and_when_asked(
    page, live_server, forum, convenor, member, vote_open
):
    meeting, themes = vote_open
    services.ballot_cast(meeting=meeting, voter=member, allocations={themes[0].pk: 3})
    login(page, live_server, member, next_url=meeting.get_absolute_url())

    page.get_by_role("link", name="Check how many are here").click()
    expect(page.get_by_role("status")).to_have_text("1 person here · 1 has voted.")

    advance_to(meeting, convenor, Phase.DECIDE)
    expect(page.get_by_role("status")).to_have_text("Now: Decide. 1 person here.", timeout=10_000)
    expect(page.get_by_role("heading", name="Now: Decide")).to_be_visible()
