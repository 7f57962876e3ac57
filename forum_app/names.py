"""Names people may not take, because the forum speaks with them.

"The person who raised this" marks an update proven by a receipt code; "A former member",
"Convenor" and the forum's own names mark who speaks. A person called any of these, or a
close variant (other case, spacing, punctuation, accents, digits for letters), could pass
their words off as the raiser's or the forum's.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Digits and signs people use for look-alike letters.
_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_NOT_LETTERS = re.compile(r"[\W_]+")

# A name containing any of these (after normalising) is refused.
RESERVED_PARTS = (
    "the person who raised this",
    "person who raised",
    "raised this issue",
    "raised anonymously",
    "former member",
    "convenor",
    "hidden by a convenor",
    "social work forum",
)
# A name that is exactly one of these is refused.
RESERVED_NAMES = ("anonymous", "a member", "member", "the forum", "forum", "admin", "site admin")
# Forum names shorter than this (after normalising) are only refused when matched whole.
SHORT_FORUM_NAME = 6


def normalise(name: str) -> str:
    """The letters of ``name`` only: lower case, accents off, look-alike digits as letters."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LETTERS.sub("", plain.casefold().translate(_LOOKALIKES))


_PARTS = tuple(normalise(part) for part in RESERVED_PARTS)
_WHOLE = frozenset(normalise(name) for name in RESERVED_NAMES)


def is_reserved(name: str, forum_names: tuple[str, ...] = ()) -> bool:
    """Whether ``name`` is, contains or imitates a label the forum speaks with."""
    plain = normalise(name)
    if not plain:
        return False
    if plain in _WHOLE or any(part in plain for part in _PARTS):
        return True
    for forum_name in forum_names:
        reserved = normalise(forum_name)
        if reserved and (
            plain == reserved or (len(reserved) >= SHORT_FORUM_NAME and reserved in plain)
        ):
            return True
    return False


def _forum_names() -> tuple[str, ...]:
    from forum_app.models import Forum

    return tuple(Forum.objects.values_list("name", flat=True))


def validate_display_name(value: str) -> None:
    """Refuse a display name the forum keeps for its own labels (sign-up, the admin)."""
    if is_reserved(value, _forum_names()):
        raise ValidationError(
            _(
                "This name is kept for the forum’s own labels, such as “The person who "
                "raised this” or “Convenor”. Use your own name."
            ),
            code="reserved_name",
        )
