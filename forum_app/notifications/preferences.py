"""Reading and saving how often each person wants each kind of email."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forum_app.models import Delivery, NotificationPreference, User
from forum_app.notifications.kinds import KINDS, listed_kinds


def preferences_for(user: User) -> dict[str, str]:
    """Each listed kind the person may change, with their choice or its default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {
        kind.key: chosen.get(kind.key, kind.default) for kind in listed_kinds() if kind.can_turn_off
    }


@transaction.atomic
def preferences_set(*, user: User, choices: dict[str, str]) -> None:
    """Save ``user``'s choice for each kind in ``choices``.

    Kinds that cannot be turned off are refused, so a forged form cannot silence a leader's
    due reminders.
    """
    for key, delivery in choices.items():
        kind = KINDS.get(key)
        if kind is None or not kind.can_turn_off or not kind.listed:
            raise ValidationError(_("You cannot change how these emails are sent."))
        if delivery not in Delivery.values or not kind.allows(delivery):
            raise ValidationError(_("Choose how often you want these emails."))
        NotificationPreference.objects.update_or_create(
            user=user, kind=key, defaults={"delivery": delivery}
        )
