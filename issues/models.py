"""Issues raised by practitioners, with their supports, comments, revisions and timeline.

An anonymous issue holds no link to the person who raised it: ``author`` is empty, dates
carry no time of day, and only a hash of the raiser's receipt code is kept.
"""

import datetime

from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connections, models
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum, Notification

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
        return self.annotate(
            support_count=RowCount(Support.objects.filter(issue=OuterRef("pk")).values("issue")),
            comment_count=RowCount(Comment.objects.filter(issue=OuterRef("pk")).values("issue")),
        )

    def with_viewer(self, user) -> "IssueQuerySet":
        """Annotate whether ``user`` supports each issue."""
        return self.annotate(
            supported_by_me=Exists(Support.objects.filter(issue=OuterRef("pk"), user=user))
        )

    def with_follower(self, user) -> "IssueQuerySet":
        """Annotate whether ``user`` follows each issue."""
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


class Support(models.Model):
    """One person's "me too". Counted, never listed."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "user"], name="one_support_per_person")
        ]

    def __str__(self) -> str:
        return f"Support for issue {self.issue_id}"


class CommentQuerySet(models.QuerySet["Comment"]):
    def for_display(self) -> "CommentQuerySet":
        return self.select_related("author").order_by("pk")


class Comment(models.Model):
    """A comment or further solution on an issue.

    ``from_raiser`` marks an update the anonymous raiser posted with their receipt code:
    it has no author, like the issue itself.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_raiser = models.BooleanField(default=False)
    body = models.TextField(_("comment"))
    is_solution = models.BooleanField(_("a further solution"), default=False)
    posted_on = models.DateField(_("posted on"))
    # SHA-256 of the form's one-time token: the same form sent twice posts once.
    submission = models.CharField(max_length=64, null=True, blank=True, unique=True)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_raiser=False) | Q(author=None),
                name="comment_raiser_update_has_no_author",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def author_label(self) -> str:
        if self.from_raiser:
            return str(_("The person who raised this"))
        if self.author is None:
            return str(_("A former member"))
        return str(self.author)


class IssueRevision(models.Model):
    """The text of an issue before an edit, so every change can be traced."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_LIMIT)
    body = models.TextField()
    impact = models.TextField()
    proposed_solution = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    edited_on = models.DateField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "version"], name="one_revision_per_version")
        ]

    def __str__(self) -> str:
        return f"Issue {self.issue_id}, version {self.version}"


class IssueRedaction(models.Model):
    """That a convenor removed words from an issue, by whom and when; never what was removed."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="redactions")
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    redacted_on = models.DateField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Redaction of issue {self.issue_id} on {self.redacted_on}"


class IssueEventQuerySet(models.QuerySet["IssueEvent"]):
    def news(self) -> "IssueEventQuerySet":
        """What became of issues: the outcomes their followers hear about."""
        return self.filter(kind__in=IssueEvent.NEWS)

    def followed_by(self, user) -> "IssueEventQuerySet":
        return self.filter(issue__follows__user=user)

    def recent_news_for(self, user, forum: Forum, *, days: int) -> "IssueEventQuerySet":
        """News of the issues ``user`` follows in ``forum`` from the last ``days``, newest first.

        ``is_new`` marks what their digest has not told them yet: news still to be handed
        out, or handed to them and waiting for their next digest.
        """
        since = timezone.localdate(timezone=forum.tzinfo) - datetime.timedelta(days=days)
        waiting = Notification.objects.filter(
            recipient=user,
            kind="issue_news",
            status=Notification.Status.DIGEST,
            dedupe_key=Concat(
                Value("issue_news:"),
                Cast(OuterRef("pk"), models.CharField()),
                Value(f":{user.pk}"),
                output_field=models.CharField(),
            ),
        )
        return (
            self.news()
            .followed_by(user)
            .filter(issue__forum=forum, issue__hidden=False, happened_on__gte=since)
            .annotate(is_new=Q(to_tell=True) | Exists(waiting))
            .select_related("issue")
            .only("happened_on", "kind", "text", "to_tell", "issue__title", "issue__forum_id")
            .order_by("-pk")
        )


class IssueEvent(models.Model):
    """One line of an issue's timeline. Holds no link to any person.

    Outcomes (``NEWS``) are told to the issue's followers in their digest: ``to_tell`` stays
    set until the digest run hands the event to each of them, once.
    """

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        EDITED = "edited", _("Edited")
        STATUS = "status", _("Status changed")
        MERGED = "merged", _("Merged")
        HIDDEN = "hidden", _("Hidden")
        UPDATE = "update", _("Update from the person who raised it")
        ALERT = "alert", _("Convenors alerted")
        REDACTED = "redacted", _("Redacted")
        THEMED = "themed", _("Grouped into a theme")
        DECIDED = "decided", _("The meeting decided")
        BRIEF = "brief", _("Brief to leaders")
        RESPONSE = "response", _("Leader's response")
        COMMITMENT = "commitment", _("Commitment")
        PROGRESS = "progress", _("Progress")
        DIFFERENCE = "difference", _("Did it make a difference?")
        CLOSED = "closed", _("Closed")

    NEWS = (
        Kind.THEMED,
        Kind.DECIDED,
        Kind.BRIEF,
        Kind.RESPONSE,
        Kind.COMMITMENT,
        Kind.PROGRESS,
        Kind.DIFFERENCE,
        Kind.CLOSED,
    )

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    happened_on = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)
    to_tell = models.BooleanField(default=False)

    objects = IssueEventQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["id"], condition=Q(to_tell=True), name="issue_event_to_tell")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.happened_on}"


class Follow(models.Model):
    """A member hears what becomes of an issue: raising (by name) or supporting it follows it.

    Never made for an anonymous raiser, who follows through the receipt code instead.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user"], name="one_follow")]

    def __str__(self) -> str:
        return f"Follow of issue {self.issue_id}"
