"""Authenticator secrets are sealed with a key outside the database, old ones by a migration."""

import importlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.apps import apps
from django.test import override_settings

from forum_app.crypto import is_sealed_text
from tests.factories import with_totp

pytestmark = pytest.mark.django_db

migration = importlib.import_module("forum_app.migrations.0003_seal_authenticator_secrets")


def test_a_new_secret_is_stored_sealed_and_still_makes_codes(member):
    with_totp(member)
    stored = Authenticator.objects.get(user=member, type="totp").data["secret"]
    assert is_sealed_text(stored)
    assert decrypt(stored).isalnum()


def test_the_migration_seals_secrets_stored_in_clear(member):
    row = Authenticator.objects.create(
        user=member, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    codes = Authenticator.objects.create(
        user=member, type="recovery_codes", data={"seed": "ab" * 20, "migrated_codes": ["1234"]}
    )
    migration.seal_secrets(apps, None)
    row.refresh_from_db()
    codes.refresh_from_db()
    assert is_sealed_text(row.data["secret"]) and decrypt(row.data["secret"]) == "JBSWY3DPEHPK3PXP"
    assert decrypt(codes.data["seed"]) == "ab" * 20
    assert [decrypt(c) for c in codes.data["migrated_codes"]] == ["1234"]
    sealed_once = row.data["secret"]
    migration.seal_secrets(apps, None)  # running it again changes nothing
    row.refresh_from_db()
    assert row.data["secret"] == sealed_once


def test_a_secret_written_in_clear_behind_the_app_is_refused(member):
    with pytest.raises(ValueError, match="in clear"):
        decrypt("JBSWY3DPEHPK3PXP")


def test_after_a_key_rotation_old_secrets_still_work(member, settings):
    with_totp(member)
    stored = Authenticator.objects.get(user=member, type="totp").data["secret"]
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[old_key]):
        assert decrypt(stored).isalnum()
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(Exception, match="cannot be read"):
            decrypt(stored)


def test_reseal_moves_everything_to_the_new_key(member, settings):
    from django.core.management import call_command

    from forum_app.sealed_box import Box, sealed_put

    with_totp(member)
    sealed_put(box=Box("ballot", "1"), payload={"1": 2})
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[old_key]):
        call_command("reseal", stdout=None)
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[]):
        stored = Authenticator.objects.get(user=member, type="totp").data["secret"]
        assert decrypt(stored).isalnum()
        from forum_app.crypto import unseal
        from forum_app.models import SealedEntry

        entry = SealedEntry.objects.get()
        assert b'"1":2' in unseal(entry.sealed, context=b"ballot:1")
