"""Small-group folding: no breakdown shows a group covering fewer than k people."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Group:
    """One row of a breakdown and the people behind it.

    ``people`` holds the ids of named people; ``unnamed`` counts people who cannot be told
    apart (each anonymous issue, each pulse answer), so each counts as one.
    """

    label: str
    values: dict[str, float] = field(default_factory=dict)
    people: frozenset = frozenset()
    unnamed: int = 0
    folded: bool = False

    @property
    def size(self) -> int:
        return len(self.people) + self.unnamed

    def value(self, name: str) -> float:
        return self.values.get(name, 0)


def other_label(k: int) -> str:
    return _("Other (fewer than %(k)s)") % {"k": k}


def merge(groups: Iterable[Group], label: str) -> Group:
    groups = list(groups)
    values: dict[str, float] = {}
    for group in groups:
        for name, number in group.values.items():
            values[name] = values.get(name, 0) + number
    return Group(
        label=label,
        values=values,
        people=frozenset().union(*(g.people for g in groups)),
        unnamed=sum(g.unnamed for g in groups),
        folded=True,
    )


def fold_small_groups(groups: Iterable[Group], k: int) -> list[Group]:
    """Keep groups of at least ``k`` people; fold the rest into one "Other" row.

    When the folded people still number fewer than ``k``, the smallest shown groups join
    them, so "Other" cannot be worked out by subtracting the shown rows from a total. If
    even everyone together is fewer than ``k``, nothing is shown.
    """
    ordered = sorted(groups, key=lambda g: (-g.size, g.label))
    shown = [g for g in ordered if g.size >= k]
    small = [g for g in ordered if g.size < k]
    while small and merge(small, "").size < k and shown:
        small.append(shown.pop())
    if not small:
        return shown
    other = merge(small, other_label(k))
    return [*shown, other] if other.size >= k else []
