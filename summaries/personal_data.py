"""What summaries holds about a person: pulse receipts and the summary exports they made.

Registered with ``forum_app.personal_data`` in ``SummariesConfig.ready``. Both stay on
erasure: the receipts no longer lead to a person once the account is empty, and the export
records are deleted by retention.
"""

from typing import Any

from forum_app.models import User
from forum_app.personal_data import when
from summaries.models import ExportRecord, PulseReceipt


def summaries_export(user: User) -> dict[str, Any]:
    return {
        "pulse_answered_receipts": [
            {"forum": r.forum.slug, "month": r.month.strftime("%Y-%m")}
            for r in PulseReceipt.objects.filter(user=user)
            .select_related("forum")
            .order_by("month")
        ],
        "summary_exports_you_made": [
            {
                "created_at": when(e.created_at),
                "period_start": when(e.period_start),
                "period_end": when(e.period_end),
                "format": e.format,
            }
            for e in ExportRecord.objects.filter(user=user).order_by("pk")
        ],
    }


def summaries_erase(user: User) -> None:
    """Nothing to remove (see above)."""


REPORTED = [(PulseReceipt, "user"), (ExportRecord, "user")]
