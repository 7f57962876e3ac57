import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forum_app.demo import DEMO_DOMAIN


class Command(BaseCommand):
    help = "Print the current two-factor codes of the demo accounts (local development only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code works only with DEBUG=1, on a local demo.")
        rows = Authenticator.objects.filter(
            type=Authenticator.Type.TOTP, user__email__endswith=f"@{DEMO_DOMAIN}"
        ).select_related("user")
        # The code an authenticator app shows now (not the oldest one still accepted).
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        for row in rows.order_by("user__email"):
            secret = decrypt(row.data["secret"])
            code = format_hotp_value(hotp_value(secret, counter))
            self.stdout.write(f"{row.user.email:<28} {code}")
