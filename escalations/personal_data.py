"""What escalations holds about a person: receipts of "did it make a difference?" answers.

Registered with ``forum_app.personal_data`` in ``EscalationsConfig.ready``. The answers
themselves are kept apart from who gave them; the receipts stay with the emptied account.
"""

from typing import Any

from escalations.models import DifferenceReceipt
from forum_app.models import User


def escalations_export(user: User) -> dict[str, Any]:
    return {
        "made_a_difference_receipts": list(
            DifferenceReceipt.objects.filter(user=user)
            .order_by("pk")
            .values_list("brief_id", flat=True)
        ),
    }


def escalations_erase(user: User) -> None:
    """Nothing to remove: the receipts no longer lead to a person once the account is empty."""


REPORTED = [(DifferenceReceipt, "user")]
