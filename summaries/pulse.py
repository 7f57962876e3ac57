"""Reading the workload pulse: monthly figures, shown only for groups of at least k people."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from forum_app.models import Forum
from summaries.anonymity import Group, fold_small_groups
from summaries.models import PulseAnswer

MONTHS_SHOWN = 12
FIGURES = ("caseload", "extra_hours", "admin_percent", "wellbeing")


@dataclass(frozen=True)
class PulseFigures:
    """Average answers of a group of people in one month."""

    label: str
    people: int
    caseload: float
    extra_hours: float
    admin_percent: float
    wellbeing: float
    folded: bool = False

    @classmethod
    def from_group(cls, group: Group) -> "PulseFigures":
        n = group.size
        averages = {name: round(group.value(name) / n, 1) for name in FIGURES}
        return cls(label=group.label, people=n, folded=group.folded, **averages)


@dataclass(frozen=True)
class PulseMonth:
    month: datetime.date
    total: PulseFigures | None
    areas: list[PulseFigures]


def months_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - (count - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def pulse_results(forum: Forum, month: datetime.date) -> list[PulseMonth]:
    """The last twelve months up to ``month``, oldest first, in one query.

    A month's total is shown only when at least k people answered; service areas with
    fewer than k answers are folded into "Other" or hidden.
    """
    k = forum.k_anonymity
    rows = (
        PulseAnswer.objects.in_forum(forum)
        .filter(month__gte=months_back(month, MONTHS_SHOWN), month__lte=month)
        .values("month", "service_area__name")
        .annotate(n=Count("pk"), **{name: Sum(name) for name in FIGURES})
        .order_by("month", "service_area__name")
    )
    by_month: dict[datetime.date, list[Group]] = {}
    for row in rows:
        by_month.setdefault(row["month"], []).append(
            Group(
                label=row["service_area__name"] or _("Service area not given"),
                values={name: row[name] for name in FIGURES},
                unnamed=row["n"],
            )
        )
    results = []
    for when, groups in sorted(by_month.items()):
        everyone = Group(
            label=_("Everyone"),
            values={name: sum(g.value(name) for g in groups) for name in FIGURES},
            unnamed=sum(g.unnamed for g in groups),
        )
        enough = everyone.size >= k
        results.append(
            PulseMonth(
                month=when,
                total=PulseFigures.from_group(everyone) if enough else None,
                areas=[PulseFigures.from_group(g) for g in fold_small_groups(groups, k)]
                if enough
                else [],
            )
        )
    return results
