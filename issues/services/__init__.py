"""Writes for issues. Each is atomic, keyword-only and takes the acting person.

By subject: named issues, supports, comments, edits and status here; anonymous issues and
raiser updates in ``anonymous`` (where anonymity is kept); what both share in ``common``.
Everything is importable from ``issues.services``.
"""

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from forum_app.models import Forum, Notification, User
from issues import defaults, receipts
from issues.models import (
    Category,
    Comment,
    Follow,
    Issue,
    IssueEvent,
    IssueRedaction,
    IssueRevision,
    ServiceArea,
    Status,
    Support,
)
from issues.services.anonymous import (
    AlreadySent,
    anonymous_publish_due,
    issue_for_receipt,
    issue_raise_anonymous,
    issue_raiser_update,
)
from issues.services.common import (
    EditConflict,
    Figure,
    IssueData,
    after_raise,
    alert_convenors,
    apply_data,
    check_choices,
    issue_link,
    tell_raiser,
    today_in,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def forum_defaults_create(*, forum: Forum) -> None:
    """Give ``forum`` the standard categories and service areas (idempotent)."""
    for position, name in enumerate(defaults.CATEGORIES):
        Category.objects.get_or_create(
            forum=forum,
            name=name,
            defaults={"position": position, "is_safety": name == defaults.SAFETY_CATEGORY},
        )
    for position, name in enumerate(defaults.SERVICE_AREAS):
        ServiceArea.objects.get_or_create(forum=forum, name=name, defaults={"position": position})


@transaction.atomic
def issue_raise(
    *, forum: Forum, actor: User, data: IssueData, submission: str | None = None
) -> Issue:
    """Raise an issue under the actor's name. Safety issues alert the convenors at once.

    ``submission`` is the form's one-time token: the same form sent twice (Back, refresh)
    returns the issue it raised the first time instead of raising another. So does the same
    issue word for word from the same person on the same day: after Back the browser puts the
    typed text back into a freshly loaded form, which brings a new token.
    """
    check_choices(forum, data)
    key = receipts.submission_hash(submission) if submission else None
    if key and (earlier := Issue.objects.filter(submission=key, forum=forum).first()):
        return earlier
    issue = Issue(
        forum=forum, raised_on=today_in(forum), is_anonymous=False, author=actor, submission=key
    )
    apply_data(issue, data)
    same = Issue.objects.filter(
        forum=forum,
        author=actor,
        raised_on=issue.raised_on,
        title=issue.title,
        body=issue.body,
        hidden=False,
    )
    if earlier := same.order_by("pk").first():
        return earlier
    issue.full_clean()
    issue.save()
    Follow.objects.create(issue=issue, user=actor)
    after_raise(issue)
    return issue


@transaction.atomic
def issue_support(*, issue: Issue, actor: User) -> None:
    """Add the actor's "me too". Supporting twice, even at the same moment, counts once."""
    if issue.merged_into_id is not None:
        raise ValidationError(_("This issue was merged into another. Support that one instead."))
    Support.objects.bulk_create([Support(issue=issue, user=actor)], ignore_conflicts=True)
    Follow.objects.bulk_create([Follow(issue=issue, user=actor)], ignore_conflicts=True)


@transaction.atomic
def issue_follow(*, issue: Issue, actor: User) -> None:
    """Hear what becomes of ``issue`` in the digest. Following twice follows once."""
    Follow.objects.bulk_create([Follow(issue=issue, user=actor)], ignore_conflicts=True)


@transaction.atomic
def issue_unfollow(*, issue: Issue, actor: User) -> None:
    """Stop hearing about ``issue``. Supporting it again follows it again."""
    Follow.objects.filter(issue=issue, user=actor).delete()


@transaction.atomic
def issue_support_with_comment(*, issue: Issue, actor: User, body: str) -> Comment:
    """Support an issue instead of raising it again, adding what was typed as a named comment.

    Comments carry their writer's name; there is no anonymous comment, so a person who chose
    to stay anonymous is only counted as a supporter (the view never calls this for them).
    """
    issue_support(issue=issue, actor=actor)
    return comment_post(issue=issue, actor=actor, body=body)


@transaction.atomic
def issue_support_withdraw(*, issue: Issue, actor: User) -> None:
    """Withdraw the actor's "me too", if they had given one."""
    Support.objects.filter(issue=issue, user=actor).delete()


@transaction.atomic
def comment_post(*, issue: Issue, actor: User, body: str, is_solution: bool = False) -> Comment:
    """Comment on an issue (or offer a further solution); a named raiser is told by email."""
    if issue.merged_into_id is not None:
        raise ValidationError(_("This issue was merged into another. Comment there instead."))
    comment = Comment(
        issue=issue,
        author=actor,
        body=body,
        is_solution=is_solution,
        posted_on=today_in(issue.forum),
    )
    comment.full_clean()
    comment.save()
    tell_raiser(
        issue,
        actor=actor,
        kind="issue_comment",
        key={"comment": comment.pk},
        context={"commenter": str(actor), "is_solution": is_solution},
    )
    return comment


@transaction.atomic
def comment_hide(*, comment: Comment, actor: User, reason: str) -> Comment:
    """Hide a comment; the reason stays visible in its place."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the comment is hidden.")})
    Comment.objects.filter(pk=comment.pk).update(hidden=True, hidden_reason=reason)
    comment.refresh_from_db()
    return comment


@transaction.atomic
def issue_hide(*, issue: Issue, actor: User, reason: str) -> Issue:
    """Hide an issue from members; the reason stays visible in its place."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the issue is hidden.")})
    issue.hidden, issue.hidden_reason, issue.version = True, reason, F("version") + 1
    issue.save(update_fields=["hidden", "hidden_reason", "version"])
    IssueEvent.objects.create(
        issue=issue,
        happened_on=today_in(issue.forum),
        kind=IssueEvent.Kind.HIDDEN,
        text=_("Hidden by a convenor: %(reason)s") % {"reason": reason},
    )
    issue.refresh_from_db()
    return issue


@transaction.atomic
def issue_edit(
    *, issue: Issue, actor: User, data: IssueData, expected_version: int, redact: bool = False
) -> Issue:
    """Save an edit, keeping the previous text as a revision.

    Raises ``EditConflict`` when someone else saved since ``expected_version`` was read,
    so nobody's words are overwritten without them seeing it. A redaction (``redact``, for
    convenors removing identifying words) keeps no earlier text at all: see
    ``_redact``.
    """
    locked = Issue.objects.select_for_update(of=("self",)).select_related("forum").get(pk=issue.pk)
    if locked.version != expected_version:
        raise EditConflict(Issue.objects.for_display().get(pk=issue.pk))
    check_choices(locked.forum, data)
    was_fast_tracked = locked.needs_fast_track
    today = today_in(locked.forum)
    if not redact:
        IssueRevision.objects.create(
            issue=locked,
            version=locked.version,
            title=locked.title,
            body=locked.body,
            impact=locked.impact,
            proposed_solution=locked.proposed_solution,
            edited_by=actor,
            edited_on=today,
        )
    old_title = locked.title
    apply_data(locked, data)
    locked.version += 1
    locked.full_clean()
    locked.save()
    if redact:
        _redact(locked, actor=actor, today=today, old_title=old_title)
    else:
        by_raiser = not locked.is_anonymous and locked.author_id == actor.pk
        IssueEvent.objects.create(
            issue=locked,
            happened_on=today,
            kind=IssueEvent.Kind.EDITED,
            text=_("Edited by the person who raised it")
            if by_raiser
            else _("Edited by a convenor"),
        )
    if locked.needs_fast_track and not was_fast_tracked:
        alert_convenors(locked)
    return locked


def _redact(issue: Issue, *, actor: User, today, old_title: str) -> None:
    """Remove every stored copy of an issue's earlier wording; record only that it happened.

    Earlier revisions are deleted, and emails waiting in (or kept by) the outbox that quote
    the old title are given the new one. Once the transaction commits, the tables are
    rewritten on PostgreSQL (``issues.tasks.rewrite_after_redaction``), so the old row
    versions that still hold the words on disk go too. Sent briefs that quoted the issue are
    frozen and keep their words.
    """
    IssueRevision.objects.filter(issue=issue).delete()
    IssueRedaction.objects.create(issue=issue, redacted_by=actor, redacted_on=today)
    IssueEvent.objects.create(
        issue=issue,
        happened_on=today,
        kind=IssueEvent.Kind.REDACTED,
        text=_(
            "A convenor removed words that could identify someone. The earlier wording is not kept."
        ),
    )
    link = issue_link(issue)
    for notification in Notification.objects.filter(context__link=link):
        if notification.context.get("title") == old_title:
            notification.context["title"] = issue.title
            notification.save(update_fields=["context"])
    transaction.on_commit(_rewrite_later)


def _rewrite_later() -> None:
    from issues.tasks import rewrite_after_redaction

    rewrite_after_redaction.delay()


@transaction.atomic
def issue_set_status(
    *, issue: Issue, status: str, actor: User | None = None, reason: str = ""
) -> Issue:
    """Move an issue to ``status``; closing needs a reason. The named raiser is told.

    Later stages (meetings, escalations) call this to mark issues "in a theme" or
    "escalated"; ``actor`` is None when the change is not one person's doing.
    """
    if status not in Status.values:
        raise ValidationError({"status": _("Choose one of the statuses listed.")})
    reason = reason.strip()
    if status == Status.CLOSED and not reason:
        raise ValidationError({"reason": _("Say why the issue is closed.")})
    locked = (
        Issue.objects.select_for_update(of=("self",))
        .select_related("forum", "author")
        .get(pk=issue.pk)
    )
    if locked.status == status and locked.closed_reason == reason:
        return locked
    locked.status = status
    locked.closed_reason = reason if status == Status.CLOSED else ""
    locked.version += 1
    locked.save(update_fields=["status", "closed_reason", "version"])
    label = Status(status).label
    text = _("Status changed to “%(status)s”.") % {"status": label}
    if reason:
        text = f"{text} {reason}"
    # Moves between the agenda, themes and decisions are told by the meetings' own news
    # (``issue_grouped``, the decision); a convenor closing an issue is news in itself.
    closed = status == Status.CLOSED
    IssueEvent.objects.create(
        issue=locked,
        happened_on=today_in(locked.forum),
        kind=IssueEvent.Kind.CLOSED if closed else IssueEvent.Kind.STATUS,
        text=text,
        to_tell=closed,
    )
    return locked


def issue_news_record(*, issues: Iterable[Issue], kind: str, text: str) -> list[IssueEvent]:
    """Record what became of ``issues`` on their timelines, for their followers' digests.

    Call it inside the transaction that makes the change (a decision, a brief sent, a
    leader's response): the events are written with it, or not at all, and the next digest
    run tells each follower once (``issue_news_tell``).
    """
    if kind not in IssueEvent.NEWS:
        raise ValueError(f"{kind!r} is not news.")
    events = [
        IssueEvent(
            issue=issue, happened_on=today_in(issue.forum), kind=kind, text=text, to_tell=True
        )
        for issue in issues
    ]
    return IssueEvent.objects.bulk_create(events)


def issue_grouped(*, issue: Issue, theme_name: str | None) -> None:
    """Note that ``issue`` now sits in a theme (or in none), as one piece of news.

    Grouping moves an issue many times in a meeting. Only where it ends up is news, so a
    grouping not yet told replaces the one before it, and taking the issue out of every
    theme leaves nothing to tell.
    """
    IssueEvent.objects.filter(issue=issue, kind=IssueEvent.Kind.THEMED, to_tell=True).delete()
    if theme_name is None:
        return
    text = _("Grouped with related issues into the theme “%(theme)s”.") % {"theme": theme_name}
    issue_news_record(issues=[issue], kind=IssueEvent.Kind.THEMED, text=text)


@transaction.atomic
def issue_merge(*, issue: Issue, into: Issue, actor: User) -> Issue:
    """Merge a duplicate ``issue`` into ``into``, keeping a trace on both.

    Supports move to ``into``; a person who supported both counts once. The duplicate's
    comments stay readable on its own page, which points to ``into``.
    """
    first, second = sorted([issue.pk, into.pk])
    locked = {
        i.pk: i
        for i in Issue.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    duplicate, target = locked.get(issue.pk), locked.get(into.pk)
    if target is None or duplicate is None or target.pk == duplicate.pk:
        raise ValidationError({"into": _("Choose a different issue to merge into.")})
    if target.forum_id != duplicate.forum_id:
        raise ValidationError({"into": _("Choose an issue from this forum.")})
    if duplicate.merged_into_id is not None:
        raise ValidationError(_("This issue has already been merged."))
    if target.merged_into_id is not None:
        raise ValidationError(
            {"into": _("That issue was itself merged. Merge into the issue it points to.")}
        )
    already = Support.objects.filter(issue=target).values("user")
    Support.objects.filter(issue=duplicate).exclude(user__in=already).update(issue=target)
    Support.objects.filter(issue=duplicate).delete()
    duplicate.merged_into = target
    duplicate.status = Status.CLOSED
    duplicate.closed_reason = _("Merged into “%(title)s”.") % {"title": target.title}
    duplicate.version += 1
    duplicate.save(update_fields=["merged_into", "status", "closed_reason", "version"])
    today = today_in(target.forum)
    IssueEvent.objects.create(
        issue=duplicate,
        happened_on=today,
        kind=IssueEvent.Kind.MERGED,
        text=_("Merged into “%(title)s”.") % {"title": target.title},
    )
    IssueEvent.objects.create(
        issue=target,
        happened_on=today,
        kind=IssueEvent.Kind.MERGED,
        text=_("“%(title)s” was merged into this issue.") % {"title": duplicate.title},
    )
    return duplicate


__all__ = [
    "AlreadySent",
    "EditConflict",
    "Figure",
    "IssueData",
    "after_raise",
    "alert_convenors",
    "anonymous_publish_due",
    "apply_data",
    "check_choices",
    "comment_hide",
    "comment_post",
    "forum_defaults_create",
    "issue_edit",
    "issue_follow",
    "issue_for_receipt",
    "issue_grouped",
    "issue_hide",
    "issue_link",
    "issue_merge",
    "issue_news_record",
    "issue_raise",
    "issue_raise_anonymous",
    "issue_raiser_update",
    "issue_set_status",
    "issue_support",
    "issue_support_with_comment",
    "issue_support_withdraw",
    "issue_unfollow",
    "tell_raiser",
    "today_in",
]
