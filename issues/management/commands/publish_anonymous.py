from django.core.management.base import BaseCommand

from issues.services import anonymous_publish_due
from issues.waiting_room import WaitingRoomUnavailable


class Command(BaseCommand):
    help = (
        "Publish every anonymous issue and update waiting to appear, now. Run it before a "
        "planned restart of Redis, where they wait: a restart would lose them."
    )

    def handle(self, *args, **options) -> None:
        try:
            published = anonymous_publish_due(everything=True)
        except WaitingRoomUnavailable as error:
            self.stderr.write(f"Redis did not answer, so nothing was published: {error}")
            raise SystemExit(1) from error
        self.stdout.write(f"Published {published} anonymous post(s) that were waiting.")
