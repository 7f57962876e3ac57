"""Issues raised by practitioners: the issue itself, its lists (category, service area),
status and search.

An anonymous issue holds no link to the person who raised it: ``author`` is empty, dates
carry no time of day, and only a hash of the raiser's receipt code is kept.
"""

from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connections, models
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum

TEXT_LIMIT = 10_000
TITLE_LIMIT = 200


class NamedChoice(models.Model):
    """A per-forum list entry (a category or a service area)."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Category(NamedChoice):
    """What an issue is about (caseloads, IT, personal safety…)."""

    is_safety = models.BooleanField(
        _("personal safety"),
        default=False,
        help_text=_("Issues in this category alert the convenors at once."),
    )

    class Meta(NamedChoice.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["forum", "name"], name="category_unique_per_forum")
        ]


class ServiceArea(NamedChoice):
    """The part of the service an issue arises in (children and families, adults…)."""

    class Meta(NamedChoice.Meta):
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        constraints = [
            models.UniqueConstraint(fields=["forum", "name"], name="service_area_unique_per_forum")
        ]


class Status(models.TextChoices):
    NEW = "new", _("New")
    ON_AGENDA = "on_agenda", _("On the agenda")
    IN_THEME = "in_theme", _("In a theme")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.ON_AGENDA, Status.IN_THEME, Status.ESCALATED)
SEARCH_FIELDS = ("title", "body", "impact", "proposed_solution")
SEARCH_CONFIG = "english"
MAX_SEARCH_WORDS = 12
LIST_FIELDS = (
    "forum",
    "title",
    "category",
    "category__name",
    "category__is_safety",
    "service_area",
    "service_area__name",
    "status",
    "safety_risk",
    "raised_on",
    "is_anonymous",
    "author",
    "author__display_name",
    "author__email",
    "merged_into",
    "hidden",
    "hidden_reason",
)


class SearchDocumentField(SearchVectorField):
    """A PostgreSQL ``tsvector`` column (unused on other databases).

    Django's check asking for ``django.contrib.postgres`` in INSTALLED_APPS is skipped:
    the column reads and writes as plain text and needs none of that app's set-up.
    """

    def _check_postgres_installed(self, *args):
        return []


def search_vector() -> SearchVector:
    """The full-text document of an issue, as stored in ``Issue.search_document``."""
    return SearchVector(*SEARCH_FIELDS, config=SEARCH_CONFIG)


class RowCount(Subquery):
    """How many rows a subquery finds, as COUNT(*) with no grouping: an index alone answers it."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = models.IntegerField()


class IssueQuerySet(models.QuerySet["Issue"]):
    def in_forum(self, forum: Forum) -> "IssueQuerySet":
        return self.filter(forum=forum)

    def open(self) -> "IssueQuerySet":
        return self.filter(status__in=OPEN_STATUSES, merged_into=None)

    def listed(self) -> "IssueQuerySet":
        """Issues shown in lists: merged duplicates are reached through their target."""
        return self.filter(merged_into=None)

    def with_counts(self) -> "IssueQuerySet":
        """Annotate exact support and comment counts without multiplying rows."""
        from issues.models.activity import Comment, Support  # they point back at Issue

        return self.annotate(
            support_count=RowCount(Support.objects.filter(issue=OuterRef("pk")).values("issue")),
            comment_count=RowCount(Comment.objects.filter(issue=OuterRef("pk")).values("issue")),
        )

    def with_viewer(self, user) -> "IssueQuerySet":
        """Annotate whether ``user`` supports each issue."""
        from issues.models.activity import Support

        return self.annotate(
            supported_by_me=Exists(Support.objects.filter(issue=OuterRef("pk"), user=user))
        )

    def with_follower(self, user) -> "IssueQuerySet":
        """Annotate whether ``user`` follows each issue."""
        from issues.models.activity import Follow

        return self.annotate(
            followed_by_me=Exists(Follow.objects.filter(issue=OuterRef("pk"), user=user))
        )

    def for_display(self) -> "IssueQuerySet":
        return self.select_related("category", "service_area", "author", "merged_into").defer(
            "search_document", "merged_into__search_document"
        )

    def for_list(self) -> "IssueQuerySet":
        """Load only what a list of issues shows: no long texts, no merged-into issue."""
        return self.select_related("category", "service_area", "author").only(*LIST_FIELDS)

    def search(self, text: str) -> "IssueQuerySet":
        """Keep issues matching ``text`` and annotate ``rank`` (best match first).

        PostgreSQL uses its full-text search (stemmed English, web-search syntax); other
        databases match every word anywhere in the texts, ignoring case.
        """
        text = text.strip()
        if not text:
            return self.annotate(rank=Value(0.0, output_field=FloatField()))
        if connections[self.db].vendor == "postgresql":
            query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
            return self.filter(search_document=query).annotate(
                rank=SearchRank(F("search_document"), query)
            )
        condition = Q()
        for word in text.split()[:MAX_SEARCH_WORDS]:
            any_field = Q()
            for name in SEARCH_FIELDS:
                any_field |= Q(**{f"{name}__icontains": word})
            condition &= any_field
        return self.filter(condition).annotate(rank=Value(0.0, output_field=FloatField()))

    def filtered(
        self,
        *,
        user,
        moderator: bool = False,
        q: str = "",
        category=None,
        service_area=None,
        status: str = "",
        mine: bool = False,
        supported: bool = False,
        sort: str = "",
    ) -> "IssueQuerySet":
        """Apply the list page's filters and sort (``with_viewer`` must come first).

        Without search words, "relevance" means newest first. Hidden issues never match a
        search, a filter or a sort for anyone but a ``moderator``: otherwise their hidden
        words, category or support could be probed one query at a time. A member sees them
        only as the "hidden by a convenor" trace in the plain newest-first list.
        """
        narrowed = any([q.strip(), category, service_area, status, mine, supported]) or (
            sort not in ("", "newest")
        )
        found = self if moderator or not narrowed else self.filter(hidden=False)
        found = found.search(q)
        if category:
            found = found.filter(category=category)
        if service_area:
            found = found.filter(service_area=service_area)
        if status:
            found = found.filter(status=status)
        if mine:
            found = found.filter(author=user, is_anonymous=False)
        if supported:
            found = found.filter(supported_by_me=True)
        return found.sorted_by(sort or ("relevance" if q.strip() else "newest"))

    def sorted_by(self, sort: str) -> "IssueQuerySet":
        """Order by ``sort``: newest, supported, longest_open or relevance (needs ``search``)."""
        if sort == "supported":
            return self.order_by("-support_count", "-raised_on", "-pk")
        if sort == "longest_open":
            still_open = Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))
            return self.order_by(still_open, "raised_on", "pk")
        if sort == "relevance":
            return self.order_by("-rank", "-raised_on", "-pk")
        return self.order_by("-raised_on", "-pk")


class Issue(models.Model):
    """A problem raised by a practitioner, under their name or anonymously."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="issues")
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    body = models.TextField(_("what happens"))
    impact = models.TextField(_("impact on people who use services and on staff"))
    proposed_solution = models.TextField(_("proposed solution"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="issues", verbose_name=_("category")
    )
    service_area = models.ForeignKey(
        ServiceArea,
        on_delete=models.PROTECT,
        related_name="issues",
        verbose_name=_("service area"),
    )
    team = models.CharField(_("team"), max_length=120, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    figures = models.JSONField(_("figures"), default=list, blank=True)
    safety_risk = models.BooleanField(_("someone could be hurt"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    closed_reason = models.TextField(_("reason for closing"), blank=True)
    raised_on = models.DateField(_("raised on"))
    is_anonymous = models.BooleanField(_("raised anonymously"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    receipt_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Finds an anonymous issue's feed (``receipts.feed_lookup``); written with the issue.
    feed_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # SHA-256 of the raise form's one-time token: sending the same form twice (Back, refresh)
    # raises one issue.
    submission = models.CharField(max_length=64, null=True, blank=True, unique=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_issues",
        verbose_name=_("merged into"),
    )
    version = models.PositiveIntegerField(default=1)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)
    # PostgreSQL fills this from the texts in a trigger (migration 0003) on every write,
    # bulk inserts included; other databases leave it empty and search the texts directly.
    search_document = SearchDocumentField(null=True, blank=True, editable=False)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | Q(author=None),
                name="issue_anonymous_has_no_author",
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=True) | Q(receipt_hash=None),
                name="issue_receipt_only_when_anonymous",
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=True) | Q(feed_hash=None),
                name="issue_feed_only_when_anonymous",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED) | ~Q(closed_reason=""),
                name="issue_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="issue_not_merged_into_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["forum", "status", "raised_on"], name="issue_listing"),
            models.Index(
                "forum",
                models.F("raised_on").desc(),
                models.F("id").desc(),
                name="issue_newest",
                condition=Q(merged_into=None),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("issues:detail", args=[self.forum.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES and self.merged_into_id is None

    @property
    def status_label(self) -> str:
        """``get_status_display`` without building the whole choices dict (lists show many)."""
        return str(Status(self.status).label)

    @property
    def author_label(self) -> str:
        """How the raiser is shown to everyone, convenors and site admins included."""
        if self.is_anonymous or self.author is None:
            return str(_("Raised anonymously")) if self.is_anonymous else str(_("A former member"))
        return str(self.author)

    @property
    def needs_fast_track(self) -> bool:
        return self.safety_risk or self.category.is_safety
