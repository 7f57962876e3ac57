from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from forum_app.accounts import MFA_SECRET_CONTEXT
from forum_app.crypto import needs_reseal, seal, seal_text, unseal, unseal_text
from forum_app.models import SealedEntry
from forum_app.sealed_box import Box


def _fresh(value: str) -> str:
    """``value`` sealed under the current key (unchanged if it already is)."""
    raw = unseal_text(value, context=MFA_SECRET_CONTEXT)
    return seal_text(raw, context=MFA_SECRET_CONTEXT)


class Command(BaseCommand):
    help = (
        "Re-encrypt everything sealed under an older SECRET_KEY with the current one: "
        "authenticator secrets and answers waiting in ballot boxes. Run it after moving the "
        "old key to SECRET_KEY_FALLBACKS; then the old key can be dropped."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        secrets = 0
        for row in Authenticator.objects.select_for_update():
            data = dict(row.data)
            for name in ("secret", "seed"):
                if isinstance(data.get(name), str):
                    data[name] = _fresh(data[name])
            if isinstance(data.get("migrated_codes"), list):
                data["migrated_codes"] = [_fresh(code) for code in data["migrated_codes"]]
            row.data = data
            row.save(update_fields=["data"])
            secrets += 1
        answers = 0
        for entry in SealedEntry.objects.select_for_update().select_related("box"):
            if needs_reseal(entry.sealed):
                context = Box(entry.box.kind, entry.box.scope).context
                entry.sealed = seal(unseal(entry.sealed, context=context), context=context)
                entry.save(update_fields=["sealed"])
                answers += 1
        self.stdout.write(f"Resealed {secrets} authenticator(s) and {answers} waiting answer(s).")
