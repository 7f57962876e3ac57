"""What people do with an issue: supports, comments, revisions, redactions, its timeline and
who follows it."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum_app.models import Forum, Notification
from issues.models.issue import TITLE_LIMIT, Issue


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
            about_type__app_label=self.model._meta.app_label,
            about_type__model=self.model._meta.model_name,
            about_id=OuterRef("pk"),
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
