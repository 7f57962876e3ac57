"""The evidence behind a brief, counted from the forum's own records.

Counts only: how many issues and distinct supporters, never who. Each figure takes at most
one query, so gathering the evidence costs a fixed number of queries whatever the theme's size.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncMonth

from issues.models import Issue, Support
from meetings.models import MeetingTheme, Theme, ThemeTally


@dataclass(frozen=True)
class MonthCount:
    month: str  # ISO date of the first day of the month
    issues: int

    @property
    def label(self) -> str:
        return datetime.date.fromisoformat(self.month).strftime("%b %Y")


@dataclass(frozen=True)
class Evidence:
    issues: int
    supporters: int
    service_areas: list[str]
    first_raised: str | None  # ISO date
    meetings: int
    dots: int
    per_month: list[MonthCount] = field(default_factory=list)

    @property
    def first_raised_date(self) -> datetime.date | None:
        return datetime.date.fromisoformat(self.first_raised) if self.first_raised else None

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Evidence":
        months = [MonthCount(**row) for row in data.get("per_month", [])]
        return cls(**{**data, "per_month": months})


def theme_evidence(theme: Theme) -> Evidence:
    """Gather the figures for ``theme`` in six queries."""
    issues = Issue.objects.filter(theme_link__theme=theme)
    totals = issues.aggregate(count=Count("pk"), first=Min("raised_on"))
    supporters = Support.objects.filter(issue__theme_link__theme=theme).aggregate(
        n=Count("user", distinct=True)
    )["n"]
    areas = list(
        issues.exclude(service_area=None)
        .order_by("service_area__name")
        .values_list("service_area__name", flat=True)
        .distinct()
    )
    meetings = MeetingTheme.objects.filter(theme=theme).count()
    dots = ThemeTally.objects.filter(theme=theme).aggregate(n=Sum("dots"))["n"] or 0
    months = (
        issues.annotate(month=TruncMonth("raised_on"))
        .order_by("month")
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return Evidence(
        issues=totals["count"],
        supporters=supporters,
        service_areas=areas,
        first_raised=totals["first"].isoformat() if totals["first"] else None,
        meetings=meetings,
        dots=dots,
        per_month=[MonthCount(_as_date(month).isoformat(), n) for month, n in months],
    )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
