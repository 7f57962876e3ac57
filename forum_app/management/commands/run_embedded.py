from django.core.management import call_command
from django.core.management.base import BaseCommand

from forum_app.demo import logins_text


class Command(BaseCommand):
    help = "Serve the app on the embedded default (SQLite, in-process tasks) for local use."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host: str, port: str, **options) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Social Work Forum: http://{host}:{port}/"))
        self.stdout.write(logins_text())
        self.stdout.write("Emails are written to var/mail/. Press Ctrl+C to stop.\n")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
