"""Seal the authenticator secrets that were stored in clear (see forum_app/crypto.py)."""

from django.db import migrations

from forum_app.crypto import is_sealed_text, seal_text

CONTEXT = b"mfa-secret"  # forum_app.accounts.MFA_SECRET_CONTEXT


def _sealed(value: str) -> str:
    return value if is_sealed_text(value) else seal_text(value, context=CONTEXT)


def seal_secrets(apps, schema_editor) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for row in Authenticator.objects.all().iterator():
        data = dict(row.data)
        for name in ("secret", "seed"):
            if isinstance(data.get(name), str):
                data[name] = _sealed(data[name])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [_sealed(code) for code in data["migrated_codes"]]
        if data != row.data:
            Authenticator.objects.filter(pk=row.pk).update(data=data)


def rewrite_table(apps, schema_editor) -> None:
    """On PostgreSQL, rewrite the table so the old row versions holding clear secrets go."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM FULL mfa_authenticator")


class Migration(migrations.Migration):
    # VACUUM cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("forum_app", "0002_notification_preferences_digests"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.RunPython(seal_secrets, migrations.RunPython.noop, atomic=True),
        migrations.RunPython(rewrite_table, migrations.RunPython.noop, atomic=False),
    ]
