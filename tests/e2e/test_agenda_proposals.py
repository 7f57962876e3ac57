"""A member proposes an agenda item from a phone; the convenor accepts one and declines one."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import AgendaItem, AgendaProposal
from tests.e2e.conftest import PHONE, assert_accessible, login
from tests.factories import MeetingFactory
from tests.world import totp_secret


def test_a_member_proposes_and_the_convenor_answers_at_375_px(
    new_page, live_server, forum, member, convenor
):
    meeting = MeetingFactory(forum=forum, title="December meeting")
    phone = new_page(PHONE, has_touch=True, is_mobile=True)
    phone.set_default_navigation_timeout(60_000)
    login(phone, live_server, member, next_url=meeting.get_absolute_url())
    phone.get_by_role("link", name="Propose an item for this agenda").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Agenda proposals")
    expect(phone.get_by_text("You have not proposed anything for this meeting.")).to_be_visible()
    assert_accessible(phone)

    # Sent empty: the error sits beside the field, and what was typed stays.
    phone.get_by_label("Why it matters (optional)").fill("We wait an hour for a car.")
    phone.get_by_role("button", name="Send the proposal").click()
    title = phone.get_by_label("What should the meeting discuss?")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_label("Why it matters (optional)")).to_have_value(
        "We wait an hour for a car."
    )
    assert_accessible(phone)

    title.fill("Pool cars for home visits")
    phone.get_by_role("button", name="Send the proposal").click()
    expect(phone.get_by_text("Waiting for the convenor")).to_be_visible()
    # Refreshing the page the send led to sends nothing again.
    phone.reload()
    assert AgendaProposal.objects.count() == 1
    title.fill("Parking at the civic centre")
    phone.get_by_role("button", name="Send the proposal").click()
    expect(phone.get_by_text("Parking at the civic centre")).to_be_visible()

    chair = new_page(PHONE, has_touch=True, is_mobile=True)
    chair.set_default_navigation_timeout(60_000)
    login(chair, live_server, convenor, totp_secret=totp_secret(convenor))
    chair.goto(meeting.get_absolute_url())
    chair.get_by_role("link", name="2 proposals from members are waiting for your answer").click()
    assert_accessible(chair)
    chair.get_by_role("button", name=re.compile(r"Put it on the agenda\s*: Pool cars")).click()
    expect(chair.get_by_text("“Pool cars for home visits” is on the agenda.")).to_be_visible()
    chair.locator("summary", has_text="Decline").click()
    chair.get_by_label("Reason (optional)").fill("Estates answer this at their own meeting.")
    chair.get_by_role("button", name=re.compile(r"Decline the proposal\s*: Parking")).click()
    expect(chair.get_by_text("No proposals are waiting.")).to_be_visible()
    assert_accessible(chair)
    assert list(AgendaItem.objects.values_list("title", flat=True)) == ["Pool cars for home visits"]

    phone.goto(reverse("meetings:proposals", args=[forum.slug, meeting.pk]))
    expect(phone.get_by_text("The convenor’s reason: Estates answer")).to_be_visible()
