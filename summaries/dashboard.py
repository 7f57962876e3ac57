"""What a forum's dashboard shows, read in a fixed number of queries."""

from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Q, QuerySet, Window

from escalations.models import AWAITING_RESPONSE, Brief, Commitment
from forum_app.models import Forum
from issues.models import Issue
from meetings.models import Theme, ThemeStatus
from summaries.anonymity import Group, fold_small_groups
from summaries.models import FiguresStamp

RAISED_AGAIN_AT = 2
# Each list on the dashboard shows its first few and says how many there are in all.
LIST_LIMIT = 10
# A backstop for changes no signal reports (bulk loads, deleting an account in the admin).
FIGURES_CACHE_SECONDS = 10 * 60


def issue_groups(issues: QuerySet, field: str) -> list[Group]:
    """Issues counted by ``field`` with the people behind each group, in one query.

    Named authors count once each however many issues they raised; every anonymous issue
    (and every issue of a former member) counts as one person. PostgreSQL hands back each
    group's authors as one array; other databases send a row per group and author.
    """
    groups: dict[str, dict] = {}

    def add(label, issues_count: int, unnamed: int, people) -> None:
        group = groups.setdefault(label or "", {"issues": 0, "people": set(), "unnamed": 0})
        group["issues"] += issues_count
        group["unnamed"] += unnamed
        group["people"].update(people)

    named = Q(author__isnull=False)
    if connections[issues.db].vendor == "postgresql":
        rows = (
            issues.order_by()
            .values(field)
            .annotate(
                n=Count("pk"),
                unnamed=Count("pk", filter=~named),
                people=ArrayAgg("author_id", distinct=True, filter=named, default=[]),
            )
            .values_list(field, "n", "unnamed", "people")
        )
        for label, n, unnamed, people in rows:
            add(label, n, unnamed, people)
    else:
        rows = issues.order_by().values_list(field, "author_id").annotate(n=Count("pk"))
        for label, author_id, n in rows:
            add(label, n, n if author_id is None else 0, () if author_id is None else (author_id,))
    return [
        Group(
            label=label,
            values={"issues": g["issues"]},
            people=frozenset(g["people"]),
            unnamed=g["unnamed"],
        )
        for label, g in groups.items()
    ]


@dataclass(frozen=True)
class IssueFigures:
    open_issues: int
    by_category: list[Group]
    by_service_area: list[Group]


def figures_changed(forum_id: int) -> None:
    """Give the forum a new figures token, in the current transaction (one query)."""
    FiguresStamp.objects.bulk_create(
        [FiguresStamp(forum_id=forum_id)],
        update_conflicts=True,
        unique_fields=["forum"],
        update_fields=["token"],
    )


def figures_token(forum: Forum) -> str:
    token = FiguresStamp.objects.filter(forum=forum).values_list("token", flat=True).first()
    if token is None:
        stamp = FiguresStamp(forum=forum)
        FiguresStamp.objects.bulk_create([stamp], ignore_conflicts=True)
        token = stamp.token
    return token


def issue_figures(forum: Forum) -> IssueFigures:
    """Open issues and the two breakdowns, with groups under k people folded away.

    Counting who is behind each group reads every open issue, most of a dashboard's work, so
    the figures are kept in the cache under the forum's token and k. ``summaries.signals``,
    the one place that renews it, changes the token whenever an issue, category or service
    area is saved or deleted, so services write issues with ``save()``, never a bulk
    ``update()`` (``tests/summaries/test_figures_watch.py`` fails when a write path forgets).
    The token is read before the issues are, so cached figures may be newer than their
    token, never older.
    """
    k = forum.k_anonymity
    key = f"issue-figures:{forum.pk}:{k}:{figures_token(forum)}"
    figures = cache.get(key)
    if figures is None:
        issues = Issue.objects.in_forum(forum).open()
        figures = IssueFigures(
            open_issues=issues.count(),
            by_category=fold_small_groups(issue_groups(issues, "category__name"), k),
            by_service_area=fold_small_groups(issue_groups(issues, "service_area__name"), k),
        )
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


@dataclass(frozen=True)
class Dashboard:
    open_issues: int
    by_category: list[Group]
    by_service_area: list[Group]
    themes_by_status: list[tuple[str, int]]
    raised_again: list[Theme]
    waiting_briefs: list[Brief]
    overdue_commitments: list[Commitment]
    raised_again_total: int = 0
    waiting_total: int = 0
    overdue_total: int = 0


def first_few(queryset: QuerySet) -> tuple[list, int]:
    """The first LIST_LIMIT rows and how many rows there are in all, in one query."""
    rows = list(queryset.annotate(in_all=Window(Count("pk")))[:LIST_LIMIT])
    return rows, rows[0].in_all if rows else 0


def forum_dashboard(forum: Forum) -> Dashboard:
    """The forum's figures, with breakdowns under k people folded away."""
    issues = issue_figures(forum)
    status_counts = dict(
        Theme.objects.in_forum(forum)
        .current()
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    themes_by_status = [
        (label, status_counts.get(value, 0)) for value, label in ThemeStatus.choices
    ]
    raised_again = list(
        Theme.objects.in_forum(forum)
        .current()
        .annotate(meetings=Count("meeting_themes__meeting", distinct=True))
        .filter(meetings__gte=RAISED_AGAIN_AT)
        .order_by("-meetings", "name")
        .values("name", "meetings")
    )
    waiting, waiting_total = first_few(
        Brief.objects.in_forum(forum)
        .filter(status__in=AWAITING_RESPONSE)
        .select_related("forum")
        .order_by("response_by", "pk")
    )
    overdue, overdue_total = first_few(
        Commitment.objects.overdue(forum).select_related("brief__forum").order_by("due_on", "pk")
    )
    return Dashboard(
        open_issues=issues.open_issues,
        by_category=issues.by_category,
        by_service_area=issues.by_service_area,
        themes_by_status=themes_by_status,
        raised_again=raised_again[:LIST_LIMIT],
        waiting_briefs=waiting,
        overdue_commitments=overdue,
        raised_again_total=len(raised_again),
        waiting_total=waiting_total,
        overdue_total=overdue_total,
    )
