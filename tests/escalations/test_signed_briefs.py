"""Sent briefs are signed with a key the database does not hold, and checked by it.

The attack these tests replay: whoever owns the database switches off its triggers, swaps
a sent brief's PDF and fingerprint, and hopes the verify page vouches for the forgery.
"""

import base64
import hashlib
import shutil
import subprocess
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.db import connection, transaction

from escalations import signing
from escalations.models import BriefVersion
from escalations.pdf import render_brief_html, render_brief_pdf
from escalations.services import briefs as services
from forum_app.models import Notification
from forum_app.notifications import outbox_sweep
from meetings.models import Phase
from meetings.services.decisions import minutes_draft
from tests.conftest import client_for
from tests.escalations.world import sent_brief
from tests.factories import MeetingFactory


def verify_url(forum) -> str:
    return f"/f/{forum.slug}/briefs/verify/"


def upload(client, forum, data: bytes):
    return client.post(
        verify_url(forum), {"pdf": SimpleUploadedFile("brief.pdf", data, "application/pdf")}
    )


def new_key() -> tuple[str, str]:
    """A private key and its public half, both in base64 as the settings take them."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode(), base64.b64encode(public).decode()


def forged_copy(version: BriefVersion) -> bytes:
    """The same brief with a softer ask, rendered by the forum's own code, wearing the
    genuine signature line: the best forgery someone without the key can make."""
    snapshot = {**version.snapshot, "ask": "Note the forum's concerns."}
    forged = render_brief_pdf(render_brief_html(snapshot))
    genuine = bytes(version.pdf)
    line = genuine[genuine.rfind(b"\n" + signing.MARKER) + 1 :]
    return forged + line


def swap_behind_the_trigger(version: BriefVersion, pdf: bytes) -> None:
    """What a database owner can do: switch off the freeze trigger and rewrite the row."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE escalations_briefversion SET pdf = %s, sha256 = %s WHERE id = %s",
            [pdf, hashlib.sha256(pdf).hexdigest(), version.pk],
        )


def test_a_sent_pdf_carries_the_forum_s_signature_of_its_facts(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    version = brief.versions.get()
    check = signing.check_pdf(bytes(version.pdf))
    assert check.verdict == signing.Verdict.SIGNED
    assert (check.facts.forum, check.facts.reference, check.facts.version) == (
        forum.slug,
        brief.reference,
        1,
    )
    assert bytes(version.pdf).startswith(b"%PDF-")
    assert version.sha256 == hashlib.sha256(bytes(version.pdf)).hexdigest()


def test_the_verify_page_says_who_signed_it_and_when(forum, convenor, leader, member):
    brief = sent_brief(forum, convenor, leader)
    version = brief.versions.get()
    page = upload(client_for(member), forum, bytes(version.pdf)).content.decode()
    assert "It matches." in page
    assert f"Signed by this forum on {version.sent_at:%-d %B %Y}" in page
    assert brief.reference in page and "Warning:" not in page
    key = signing.published_keys()[0]
    assert key.key_id in page and key.public_key in page


def test_a_changed_byte_breaks_the_signature(forum, convenor, leader, member):
    pdf = bytes(sent_brief(forum, convenor, leader).versions.get().pdf)
    middle = len(pdf) // 2
    changed = pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]
    page = upload(client_for(member), forum, changed).content.decode()
    assert "No match." in page and "It matches." not in page
    assert "changed after the forum signed it" in page


def test_a_forgery_slipped_past_the_trigger_is_rejected_and_the_genuine_pdf_still_verifies(
    postgres, forum, convenor, leader, member
):
    brief = sent_brief(forum, convenor, leader)
    version = brief.versions.get()
    genuine = bytes(version.pdf)
    forged = forged_copy(version)

    swap_behind_the_trigger(version, forged)

    stored = BriefVersion.objects.get(pk=version.pk)
    assert bytes(stored.pdf) == forged  # the trigger did not stop the database owner
    assert stored.sha256 == hashlib.sha256(forged).hexdigest()
    client = client_for(member)

    by_file = upload(client, forum, forged).content.decode()
    assert "It matches." not in by_file and "No match." in by_file
    by_hash = client.post(verify_url(forum), {"sha256": stored.sha256}).content.decode()
    assert "It matches." not in by_hash and "No match." in by_hash

    still = upload(client, forum, genuine).content.decode()
    assert "It matches." in still
    assert "Signed by this forum on" in still
    assert "The server’s record may have been changed." in still


def test_a_forgery_without_any_signature_is_not_vouched_for(
    postgres, forum, convenor, leader, member
):
    version = sent_brief(forum, convenor, leader).versions.get()
    forged = render_brief_pdf(render_brief_html({**version.snapshot, "ask": "Nothing."}))
    swap_behind_the_trigger(version, forged)
    page = upload(client_for(member), forum, forged).content.decode()
    assert "It matches." not in page
    assert "carries no signature from the forum" in page


def test_after_a_key_rotation_old_versions_still_verify(settings, forum, convenor, leader, member):
    old_private, old_public = new_key()
    new_private, _new_public = new_key()
    settings.BRIEF_SIGNING_KEY = old_private
    brief = sent_brief(forum, convenor, leader)
    old_pdf = bytes(brief.versions.get().pdf)
    old_key_id = signing.check_pdf(old_pdf).key_id

    settings.BRIEF_SIGNING_KEY = new_private
    settings.BRIEF_PREVIOUS_PUBLIC_KEYS = [old_public]
    brief.ask = "Agree a cap of 20."
    brief.save()
    services.brief_send(brief=brief, actor=convenor, reason="The cap is now 20.")
    new_pdf = bytes(brief.versions.get(number=2).pdf)
    client = client_for(member)

    old_page = upload(client, forum, old_pdf).content.decode()
    assert "It matches." in old_page and f"Signing key: {old_key_id}." in old_page
    assert "used before" in old_page and old_public in old_page
    new_page = upload(client, forum, new_pdf).content.decode()
    assert "It matches." in new_page and "version 2" in new_page
    assert signing.check_pdf(new_pdf).key_id != old_key_id

    settings.BRIEF_PREVIOUS_PUBLIC_KEYS = []
    forgotten = upload(client, forum, old_pdf).content.decode()
    assert "signed with a key this forum does not use" in forgotten


def test_a_brief_signed_for_another_forum_does_not_match_here(
    forum, convenor, leader, outsider, other_forum
):
    pdf = bytes(sent_brief(forum, convenor, leader).versions.get().pdf)
    page = upload(client_for(outsider), other_forum, pdf).content.decode()
    assert "It matches." not in page
    assert "signed for another forum" in page


def test_a_40_mb_upload_is_refused_clearly_without_being_kept(forum, member):
    received = {}

    def spy(original):
        def receive(self, raw_data, start):
            received[type(self)] = received.get(type(self), 0) + len(raw_data)
            return original(self, raw_data, start)

        return receive

    huge = b"%PDF-1.7\n" + b"0" * (40 * 1024 * 1024)
    with (
        mock.patch.object(
            TemporaryFileUploadHandler,
            "receive_data_chunk",
            spy(TemporaryFileUploadHandler.receive_data_chunk),
        ),
        mock.patch.object(
            MemoryFileUploadHandler,
            "receive_data_chunk",
            spy(MemoryFileUploadHandler.receive_data_chunk),
        ),
    ):
        response = upload(client_for(member), forum, huge)
    assert response.status_code == 413
    assert "This file is larger than 5 MB" in response.content.decode()
    # Django's own handlers saw at most the first 5 MB; the other 35 MB were dropped unread.
    assert received and max(received.values()) <= 5 * 1024 * 1024


def test_every_leader_and_convenor_gets_the_fingerprint_and_the_signed_pdf(
    settings, forum, convenor, leader
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox.clear()
    brief = sent_brief(forum, convenor, leader)
    version = brief.versions.get()
    outbox_sweep()
    for person in (leader, convenor):
        (message,) = [m for m in mail.outbox if person.email in m.to]
        assert version.sha256 in message.body
        assert f"Version 1 of {brief.reference}" in message.body
        (attachment,) = message.attachments
        assert attachment[0] == f"{brief.reference}-v1.pdf"
        assert hashlib.sha256(attachment[1]).hexdigest() == version.sha256
    kinds = Notification.objects.filter(kind="brief_sent").values_list("email", flat=True)
    assert sorted(kinds) == sorted([leader.email, convenor.email])


def test_the_next_meeting_s_minutes_list_briefs_sent_with_their_fingerprints(
    forum, convenor, leader
):
    import datetime

    from django.utils import timezone

    earlier = MeetingFactory(
        forum=forum, phase=Phase.CLOSED, starts_at=timezone.now() - datetime.timedelta(days=30)
    )
    brief = sent_brief(forum, convenor, leader)
    meeting = MeetingFactory(forum=forum, starts_at=timezone.now())
    minutes = minutes_draft(meeting)
    version = brief.versions.get()
    assert "## Briefs sent since the last meeting" in minutes
    assert f"{brief.reference} version 1" in minutes and version.sha256 in minutes
    assert earlier.pk  # briefs sent before the last meeting belong to its minutes


def test_the_pdf_s_last_page_says_how_to_check_it(forum, convenor, leader):
    version = sent_brief(forum, convenor, leader).versions.get()
    key_id = signing.published_keys()[0].key_id
    assert "Checking this document" in version.html
    assert key_id in version.html and f"/f/{forum.slug}/briefs/verify/" in version.html
    if shutil.which("pdftotext") is None:
        return
    pages = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=bytes(version.pdf), capture_output=True
    ).stdout.decode()
    last = pages.split("\f")[-2] if pages.endswith("\f") else pages.split("\f")[-1]
    assert "Checking this document" in last and key_id in last


def test_production_refuses_to_start_without_a_signing_key(tmp_path):
    from tests.forum_app.test_settings import production, run_manage

    env = production(tmp_path)
    del env["BRIEF_SIGNING_KEY"]
    result = run_manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "BRIEF_SIGNING_KEY is not set" in result.stderr


def test_a_signing_key_can_come_from_a_secrets_file(tmp_path):
    from tests.forum_app.test_settings import production, run_manage

    private, _public = new_key()
    secret = tmp_path / "brief-key"
    secret.write_text(private + "\n")
    env = production(tmp_path)
    del env["BRIEF_SIGNING_KEY"]
    assert run_manage(tmp_path, "check", **env, BRIEF_SIGNING_KEY_FILE=str(secret)).returncode == 0
    bad = run_manage(tmp_path, "check", **production(tmp_path, BRIEF_SIGNING_KEY="short"))
    assert "BRIEF_SIGNING_KEY must be an Ed25519 key of 32 bytes" in bad.stderr


@pytest.mark.parametrize("name", ["BRIEF_SIGNING_KEY", "BRIEF_PREVIOUS_PUBLIC_KEYS"])
def test_the_signing_key_is_documented_for_deployments(name):
    from tests.forum_app.test_settings import ROOT

    assert name in (ROOT / ".env.example").read_text()
    assert name in (ROOT / "docker-compose.yml").read_text()
    assert f"`{name}`" in (ROOT / "README.md").read_text()
