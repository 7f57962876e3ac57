import sys

from django.core.management.base import BaseCommand, CommandError

from forum_app.personal_data import person_erase, person_find


class Command(BaseCommand):
    help = (
        "Erase a person: their named issues and comments stay as by 'A former member', their "
        "supports are removed, and their account is switched off and emptied. Cannot be undone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The person's email address")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation")

    def handle(self, *args, email: str, yes: bool, **options) -> None:
        user = person_find(email)
        if user is None:
            raise CommandError(f"No account has the email address {email!r}.")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    "Erasing cannot be undone, and there is no terminal to confirm it. "
                    "Run the command again with --yes."
                )
            answer = input(f"Erase {user.email}? This cannot be undone. Type 'erase' to go on: ")
            if answer.strip().lower() != "erase":
                raise CommandError("Nothing was erased.")
        person_erase(user=user)
        self.stdout.write(self.style.SUCCESS(f"Erased {email}; the account is now {user.email}."))
