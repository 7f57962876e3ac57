import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from forum_app.personal_data import person_find, personal_data_export


class Command(BaseCommand):
    help = (
        "Write everything the forum holds about one person as JSON, for a subject access "
        "request. Anonymous issues are not linked to anyone, so they cannot be included."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The person's email address")
        parser.add_argument("--output", help="Write to this file instead of standard output")

    def handle(self, *args, email: str, output: str | None, **options) -> None:
        user = person_find(email)
        if user is None:
            raise CommandError(f"No account has the email address {email!r}.")
        text = json.dumps(
            personal_data_export(user=user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
        )
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote the personal data of {user.email} to {output}.")
        else:
            self.stdout.write(text)
