import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from forum_app.notifications import outbox_sweep


class Command(BaseCommand):
    help = "Send due notifications now (--once), or every minute until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between sweeps.")

    def handle(self, *args, once: bool, interval: int, **options) -> None:
        while True:
            sent = outbox_sweep()
            self.stdout.write(f"Sent {sent} notification(s).")
            if once:
                return
            close_old_connections()
            time.sleep(interval)
