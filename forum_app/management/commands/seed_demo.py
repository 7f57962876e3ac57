from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management.base import BaseCommand
from django.db import transaction

from forum_app.demo import (
    DEMO_FORUM_SLUG,
    DEMO_PASSWORD,
    DEMO_PEOPLE,
    demo_seeders,
    logins_text,
)
from forum_app.models import PRIVILEGED_ROLES, Forum, Membership, User


class Command(BaseCommand):
    help = "Build a demo forum with people, roles and sample issues, then print the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any forum already exists."
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Forum.objects.exists():
            self.stdout.write("Demo data already present.")
        else:
            with transaction.atomic():
                forum = seed_forum()
                seed_feature_data(forum)
            self.stdout.write(self.style.SUCCESS("Demo forum created."))
        if options["verbosity"] >= 1:
            self.stdout.write(logins_text())


def seed_forum() -> Forum:
    forum, _ = Forum.objects.update_or_create(
        slug=DEMO_FORUM_SLUG,
        defaults={
            "name": "Children's Services Practitioner Forum",
            "description": (
                "Social workers, family support workers and personal advisers in children's "
                "services. We meet on the first Tuesday of each month, without managers."
            ),
        },
    )
    for person in DEMO_PEOPLE:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = User.objects.create_user(person.email, DEMO_PASSWORD, display_name=person.name)
        EmailAddress.objects.update_or_create(
            user=user, email=person.email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.update_or_create(
            forum=forum,
            user=user,
            defaults={"role": person.role, "status": Membership.Status.ACTIVE},
        )
        if person.role in PRIVILEGED_ROLES and not Authenticator.objects.filter(user=user).exists():
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
    return forum


def seed_feature_data(forum: Forum) -> None:
    """Each feature app adds its demo data (issues, meetings, briefs, pulse), as registered."""
    for seeder in demo_seeders():
        seeder(forum)
