from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from forum_app.demo import logins_text
from forum_app.notifications.scheduler import EmbeddedScheduler


def where_emails_go(base_url: str) -> str:
    mailer = settings.MAILERS["default"]
    backend = mailer["BACKEND"].rsplit(".", 2)[-2]
    if backend == "filebased":
        where = f"Emails are written to {mailer['OPTIONS']['file_path']}/"
        if settings.DEBUG:
            where += f" — read them at {base_url}dev/mailbox/"
        return where + "."
    if backend == "smtp":
        return f"Emails go to the mail server at {mailer['OPTIONS']['host']}."
    return f"Emails go to the {backend} backend."


class Command(BaseCommand):
    help = "Serve the app on the embedded default (SQLite, in-process tasks) for local use."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host: str, port: str, **options) -> None:
        base_url = f"http://{host}:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Social Work Forum: {base_url}"))
        self.stdout.write(logins_text())
        self.stdout.write(where_emails_go(base_url))
        if settings.CELERY_TASK_ALWAYS_EAGER:
            EmbeddedScheduler().start()
            self.stdout.write("Reminders and digests run in this process (checked every 15 s).")
        else:
            self.stdout.write(
                "Background work runs in Celery: start `celery -A forum_app worker` "
                "and `celery -A forum_app beat`."
            )
        self.stdout.write("Press Ctrl+C to stop.\n")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
