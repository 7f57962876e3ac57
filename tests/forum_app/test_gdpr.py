"""UK GDPR requests: export everything about a person; erase them without breaking the record."""

import datetime
import io
import json

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from forum_app.models import Invitation, Membership, Notification, User
from forum_app.services import invitation_create
from issues.models import Follow, Issue, Support
from meetings.models import BallotReceipt, ThemeTally
from summaries.models import PulseAnswer, PulseReceipt
from tests.conftest import client_for
from tests.factories import CommentFactory, IssueFactory, MeetingFactory, with_totp


@pytest.fixture
def history(forum, member, convenor):
    """What a member leaves behind: named and anonymous issues, a comment, supports, receipts."""
    named = IssueFactory(forum=forum, author=member, title="Laptops take ten minutes to start")
    anonymous = IssueFactory(
        forum=forum, author=None, is_anonymous=True, title="My manager reads my diary"
    )
    someone_elses = IssueFactory(forum=forum, author=convenor, title="Pool cars never free")
    comment = CommentFactory(issue=someone_elses, author=member, body="Same in the east team.")
    Support.objects.create(issue=someone_elses, user=member)
    Follow.objects.create(issue=someone_elses, user=member)
    Support.objects.create(issue=someone_elses, user=convenor)
    meeting = MeetingFactory(forum=forum, title="March forum")
    BallotReceipt.objects.create(meeting=meeting, user=member)
    PulseReceipt.objects.create(forum=forum, user=member, month=datetime.date(2026, 3, 1))
    Notification.objects.create(
        recipient=member, email=member.email, kind="meeting_invite", dedupe_key="m-1"
    )
    return {
        "named": named,
        "anonymous": anonymous,
        "someone_elses": someone_elses,
        "comment": comment,
        "meeting": meeting,
    }


def export(email: str) -> dict:
    out = io.StringIO()
    call_command("export_personal_data", email, stdout=out)
    return json.loads(out.getvalue())


def test_export_holds_what_the_person_gave_and_did(member, history):
    data = export(member.email.upper())

    assert data["account"]["email"] == member.email
    assert [m["role"] for m in data["memberships"]] == ["member"]
    assert [i["title"] for i in data["issues_raised_under_your_name"]] == [
        "Laptops take ten minutes to start"
    ]
    assert [c["comment"] for c in data["comments"]] == ["Same in the east team."]
    assert [s["issue_title"] for s in data["issues_supported"]] == ["Pool cars never free"]
    assert [f["issue_title"] for f in data["issues_followed"]] == ["Pool cars never free"]
    assert data["ballots_cast_receipts"][0]["meeting"] == "March forum"
    assert data["pulse_answered_receipts"] == [{"forum": "childrens", "month": "2026-03"}]
    assert [n["kind"] for n in data["notifications_sent_to_you"]] == ["meeting_invite"]


def test_export_never_holds_anonymous_issues_ballot_choices_or_pulse_answers(member, history):
    text = json.dumps(export(member.email))

    assert "My manager reads my diary" not in text
    assert set(export(member.email)["ballots_cast_receipts"][0]) == {
        "forum",
        "meeting",
        "starts_at",
    }
    assert "dots" not in text
    assert "answer" not in text.replace("pulse_answered_receipts", "")


def test_export_lists_invitations_to_the_address(forum, other_forum, convenor, member):
    other_forum.memberships.create(user=convenor, role="convenor", status="active")
    invitation_create(forum=other_forum, actor=convenor, email=member.email, role="steward")

    invited = export(member.email)["invitations_to_your_address"]
    assert [(i["forum"], i["role"]) for i in invited] == [("adults", "steward")]


def test_export_to_a_file(member, history, tmp_path):
    target = tmp_path / "person.json"
    call_command("export_personal_data", member.email, output=str(target), stderr=io.StringIO())

    assert json.loads(target.read_text())["account"]["email"] == member.email


def test_export_reports_records_from_other_tables(forum, member):
    MeetingFactory(forum=forum, scheduled_by=member)

    assert "meetings.Meeting.scheduled_by" in export(member.email)["other_records_linked_to_you"]


def test_export_of_an_unknown_address_fails_clearly(db):
    with pytest.raises(CommandError, match="No account has the email address"):
        call_command("export_personal_data", "nobody@example.org")


def erase(email: str) -> None:
    call_command("erase_person", email, yes=True, stdout=io.StringIO())


def test_erased_person_content_stays_as_a_former_member(forum, member, convenor, history):
    erase(member.email)

    named = Issue.objects.get(pk=history["named"].pk)
    assert named.author is None and not named.is_anonymous
    assert named.author_label == "A former member"
    history["comment"].refresh_from_db()
    assert history["comment"].author_label == "A former member"
    page = client_for(convenor).get(history["someone_elses"].get_absolute_url())
    assert "A former member" in page.text
    assert "Same in the east team." in page.text


def test_erasing_drops_supports_but_leaves_other_people_and_tallies(
    forum, member, convenor, history
):
    tally = ThemeTally.objects.create(
        meeting=history["meeting"],
        theme=history["meeting"].forum.themes.create(name="Kit"),
        dots=7,
    )
    erase(member.email)

    assert Support.objects.filter(issue=history["someone_elses"]).count() == 1
    assert not Follow.objects.filter(user=member).exists()
    assert Support.objects.filter(user=convenor).exists()
    assert Issue.objects.get(pk=history["someone_elses"].pk).author == convenor
    tally.refresh_from_db()
    assert tally.dots == 7
    assert Issue.objects.filter(pk=history["anonymous"].pk).exists()


def test_erased_account_is_emptied_and_switched_off(forum, member, history):
    with_totp(member)
    old_email = member.email
    Invitation.objects.create(
        forum=forum, email=old_email, token_hash="x" * 64, expires_at=history["meeting"].starts_at
    )
    erase(old_email)

    member.refresh_from_db()
    assert not member.is_active
    assert member.email.endswith("@erased.invalid") and old_email not in member.email
    assert member.display_name == ""
    assert not member.has_usable_password()
    assert not Membership.objects.filter(user=member).exists()
    assert not Authenticator.objects.filter(user=member).exists()
    assert not Notification.objects.filter(email__iexact=old_email).exists()
    assert not Invitation.objects.filter(email__iexact=old_email).exists()
    assert not User.objects.filter(email__iexact=old_email).exists()


def test_erasing_ends_the_person_s_sessions(forum, member, convenor):
    theirs, others = client_for(member), client_for(convenor)
    erase(member.email)

    assert Session.objects.count() == 1
    assert theirs.get(f"/f/{forum.slug}/").status_code == 302
    assert others.get(f"/f/{forum.slug}/").status_code == 200


def test_erasing_without_yes_and_without_a_terminal_refuses(member, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_person", member.email)
    member.refresh_from_db()
    assert member.is_active


def test_erasing_an_unknown_address_fails_clearly(db):
    with pytest.raises(CommandError, match="No account has the email address"):
        call_command("erase_person", "nobody@example.org", yes=True)


def test_pulse_answers_survive_erasure(forum, member, history):
    answers = PulseAnswer.objects.count()
    erase(member.email)

    assert PulseAnswer.objects.count() == answers
    assert PulseReceipt.objects.filter(user=member).count() == 1
