"""A brief in a real browser: a convenor sends it, a leader answers, members read it."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from forum_app.models import Role
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_accessible, login
from tests.escalations.world import draft_brief
from tests.factories import ForumFactory, MembershipFactory, with_totp


def test_convenor_sends_leader_responds_and_commits_member_sees_it(new_page, live_server, db):
    forum = ForumFactory(name="Children's Practitioner Forum", slug="childrens")
    convenor = MembershipFactory(forum=forum, role=Role.CONVENOR).user
    leader = MembershipFactory(forum=forum, role=Role.LEADER).user
    member = MembershipFactory(forum=forum, role=Role.MEMBER).user
    convenor_secret, leader_secret = with_totp(convenor), with_totp(leader)
    brief = draft_brief(forum, convenor, leader)
    brief_path = f"/f/{forum.slug}/briefs/{brief.pk}/"

    chair = new_page()
    login(chair, live_server, convenor, totp_secret=convenor_secret, next_url=brief_path)
    assert_accessible(chair)
    chair.get_by_role("link", name="Edit").click()
    assert_accessible(chair)
    chair.get_by_label("The ask").fill("Agree a caseload cap of 22 from April.")
    chair.get_by_role("button", name="Save").click()
    chair.get_by_role("link", name="Check and send").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Check the brief before sending")
    expect(chair.get_by_role("link", name="Download the draft PDF")).to_be_visible()
    assert_accessible(chair)
    chair.screenshot(path=ARTIFACTS / "brief-check-1280.png", full_page=True)
    chair.get_by_role("button", name="Send the brief").click()
    expect(chair.get_by_text("Version 1 of")).to_be_visible()
    expect(chair.get_by_text("Sent", exact=True).first).to_be_visible()
    # Sending again unchanged is not offered; Back then Send again sends nothing more.
    chair.get_by_role("link", name="Send a new version").click()
    expect(chair.get_by_text("Nothing has changed since version 1 was sent")).to_be_visible()
    expect(chair.get_by_role("button", name="Send version 2")).to_have_count(0)
    assert_accessible(chair)
    chair.go_back()
    chair.go_back()
    if chair.get_by_role("button", name="Send the brief").count():
        chair.get_by_role("button", name="Send the brief").click()
    assert brief.versions.count() == 1

    boss = new_page()
    login(boss, live_server, leader, totp_secret=leader_secret)
    assert boss.url.endswith("/briefs/")
    assert_accessible(boss)
    boss.get_by_role("link", name=f"{brief.reference}: {brief.title}").click()
    expect(boss.get_by_text("You are reading version 1, the current one")).to_be_visible()
    expect(boss.get_by_role("heading", name="The evidence")).to_be_visible()
    assert_accessible(boss)
    boss.screenshot(path=ARTIFACTS / "leader-brief-1280.png", full_page=True)
    boss.get_by_role("button", name="Acknowledge: I have this brief").click()
    boss.get_by_label("Accept in part").check()
    boss.get_by_label("Your reasons").fill("A cap needs funding; we will review it first.")
    boss.get_by_role("button", name="Send your response").click()
    expect(boss.get_by_text("Your response is recorded")).to_be_visible()
    expect(boss.get_by_text("You responded: accept in part,")).to_be_visible()
    due = timezone.localdate() + datetime.timedelta(days=42)
    boss.get_by_label("What will be done").fill("Review caseloads in the three teams.")
    boss.get_by_label("Who does it").fill("Head of Service")
    boss.get_by_label("Due by").fill(due.isoformat())
    boss.get_by_role("button", name="Add the commitment").click()
    expect(boss.get_by_text("Commitment added.")).to_be_visible()
    assert_accessible(boss)
    boss.set_viewport_size(PHONE)
    boss.screenshot(path=ARTIFACTS / "leader-brief-375.png", full_page=True)
    assert boss.goto(f"{live_server.url}/f/{forum.slug}/issues/").status == 404

    reader = new_page()
    login(reader, live_server, member, next_url=brief_path)
    expect(reader.get_by_text("A cap needs funding; we will review it first.")).to_be_visible()
    expect(reader.get_by_text("Review caseloads in the three teams.").first).to_be_visible()
    assert_accessible(reader)
