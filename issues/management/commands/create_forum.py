from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from forum_app.models import User
from forum_app.services import forum_create
from issues.services import forum_defaults_create


class Command(BaseCommand):
    help = "Create a forum and its first convenor (creating the convenor's account if needed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The forum's name, e.g. \"Adults' Practitioner Forum\"")
        parser.add_argument("slug", help="Short name for links, e.g. adults")
        parser.add_argument("convenor_email", help="Email address of the first convenor")
        parser.add_argument("--description", default="")

    def handle(self, *args, name: str, slug: str, convenor_email: str, description: str, **kw):
        email = convenor_email.strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(email, None)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        try:
            forum = forum_create(name=name, slug=slug, convenor=user, description=description)
        except ValidationError as error:
            if created:
                user.delete()
            messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise CommandError(f"Could not create the forum — {messages}") from None
        forum_defaults_create(forum=forum)
        self.stdout.write(self.style.SUCCESS(f"Created {forum.name} (/f/{forum.slug}/)."))
        if created:
            self.stdout.write(
                f"{email} has an account with no password: they set one with "
                "“Forgotten your password?” on the sign-in page, then set up two-factor "
                "authentication."
            )
