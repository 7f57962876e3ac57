"""What meetings holds about a person: attendance and ballot receipts (never the ballots).

Registered with ``forum_app.personal_data`` in ``MeetingsConfig.ready``. Receipts stay with
the emptied account on erasure, so past turnout figures remain true.
"""

from typing import Any

from forum_app.models import User
from forum_app.personal_data import when
from meetings.models import Attendance, BallotReceipt


def _by_meeting(model, user: User) -> list[dict[str, Any]]:
    rows = model.objects.filter(user=user).select_related("meeting__forum").order_by("pk")
    return [
        {
            "forum": row.meeting.forum.slug,
            "meeting": row.meeting.title,
            "starts_at": when(row.meeting.starts_at),
        }
        for row in rows
    ]


def meetings_export(user: User) -> dict[str, Any]:
    return {
        "meetings_attended": _by_meeting(Attendance, user),
        "ballots_cast_receipts": _by_meeting(BallotReceipt, user),
    }


def meetings_erase(user: User) -> None:
    """Nothing to remove: the receipts no longer lead to a person once the account is empty."""


REPORTED = [(Attendance, "user"), (BallotReceipt, "user")]
