"""Writing, sending, freezing and verifying briefs."""

import hashlib

import pytest
from django.db import connection

from escalations.models import BriefStatus, BriefVersion, ImmutableRowError
from escalations.services import briefs as services
from forum_app.models import Notification
from tests.conftest import client_for
from tests.escalations.world import draft_brief, sent_brief
from tests.factories import MembershipFactory


def test_brief_from_a_decision_takes_its_ask_leader_and_reference(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    assert brief.ask == "Agree a caseload cap of 22 from April."
    assert list(brief.recipients.all()) == [leader]
    assert brief.reference.startswith("CPF-") and brief.reference.endswith("-001")
    second = draft_brief(forum, convenor, leader)
    assert second.reference.endswith("-002")


def test_sending_freezes_a_version_and_emails_each_leader(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    version = brief.versions.get()
    assert brief.status == BriefStatus.SENT
    assert version.sha256 == hashlib.sha256(bytes(version.pdf)).hexdigest()
    assert version.snapshot["ask"] == brief.ask
    sent = Notification.objects.filter(kind="brief_sent", recipient=leader)
    assert sent.count() == 1


def test_saving_a_sent_version_through_the_orm_is_refused(forum, convenor, leader):
    version = sent_brief(forum, convenor, leader).versions.get()
    version.html = "<p>changed</p>"
    with pytest.raises(ImmutableRowError):
        version.save()
    with pytest.raises(ImmutableRowError):
        version.delete()
    assert "changed" not in BriefVersion.objects.get(pk=version.pk).html


def test_the_database_refuses_to_change_a_sent_version(postgres, forum, convenor, leader):
    version = sent_brief(forum, convenor, leader).versions.get()
    with pytest.raises(Exception, match="cannot be changed"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE escalations_briefversion SET html = 'forged' WHERE id = %s", [version.pk]
        )


def test_the_database_refuses_to_delete_a_sent_version(postgres, forum, convenor, leader):
    version = sent_brief(forum, convenor, leader).versions.get()
    with pytest.raises(Exception, match="cannot be changed"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM escalations_briefversion WHERE id = %s", [version.pk])


def test_downloaded_pdf_has_the_stored_sha256(forum, convenor, leader, member):
    brief = sent_brief(forum, convenor, leader)
    response = client_for(member).get(f"/f/{forum.slug}/briefs/{brief.pk}/versions/1.pdf")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == brief.versions.get().sha256


def test_editing_the_source_issues_leaves_the_sent_version_unchanged(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    before = brief.versions.get()
    for link in brief.theme.theme_issues.select_related("issue"):
        link.issue.body = "Rewritten afterwards"
        link.issue.save()
    brief.theme.theme_issues.first().issue.delete()
    after = BriefVersion.objects.get(pk=before.pk)
    assert bytes(after.pdf) == bytes(before.pdf)
    assert after.snapshot == before.snapshot
    assert after.snapshot["evidence"]["issues"] == 3


def test_amending_a_sent_brief_makes_a_new_version_and_keeps_the_old(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    brief.ask = "Agree a cap of 20."
    brief.save()
    services.brief_send(brief=brief, actor=convenor, reason="The cap is now 20.")
    first, second = brief.versions.order_by("number")
    assert "22" in first.snapshot["ask"] and "20" in second.snapshot["ask"]
    assert first.sha256 != second.sha256


def test_a_brief_cannot_be_sent_to_someone_who_is_not_a_leader(forum, convenor, leader, member):
    brief = draft_brief(forum, convenor, leader)
    brief.recipients.add(member)
    with pytest.raises(Exception, match="senior leaders"):
        services.brief_send(brief=brief, actor=convenor)
    assert not brief.versions.exists()


def test_verify_page_recognises_a_sent_pdf_and_rejects_a_changed_one(
    forum, convenor, leader, member
):
    brief = sent_brief(forum, convenor, leader)
    pdf = bytes(brief.versions.get().pdf)
    client = client_for(member)
    url = f"/f/{forum.slug}/briefs/verify/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    match = client.post(url, {"pdf": SimpleUploadedFile("b.pdf", pdf, "application/pdf")})
    assert "It matches." in match.content.decode()
    assert brief.reference in match.content.decode()
    forged = client.post(url, {"pdf": SimpleUploadedFile("b.pdf", pdf + b" ", "application/pdf")})
    assert "No match." in forged.content.decode()
    by_hash = client.post(url, {"sha256": brief.versions.get().sha256.upper()})
    assert "It matches." in by_hash.content.decode()
    bad = client.post(url, {"sha256": "z" * 64})
    assert "Use only the digits" in bad.content.decode()


def test_members_of_another_forum_cannot_see_the_forum_s_briefs(forum, convenor, leader, outsider):
    brief = sent_brief(forum, convenor, leader)
    client = client_for(outsider)
    assert client.get(f"/f/{forum.slug}/briefs/{brief.pk}/").status_code == 404
    assert client.get(f"/f/{forum.slug}/briefs/").status_code == 404


def test_leader_a_cannot_open_leader_b_s_brief(forum, convenor, leader):
    other = MembershipFactory(forum=forum, role="leader").user
    from tests.factories import with_totp

    with_totp(other)
    brief = sent_brief(forum, convenor, leader)
    client = client_for(other)
    assert client.get(f"/briefs/{brief.pk}/").status_code == 404
    assert client.get(f"/briefs/{brief.pk}/versions/1.pdf").status_code == 404
    assert client.post(f"/briefs/{brief.pk}/acknowledge/").status_code == 404
    assert brief.reference not in client.get("/briefs/").content.decode()
    assert brief.reference in client_for(leader).get("/briefs/").content.decode()
