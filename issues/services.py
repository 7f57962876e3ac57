"""Writes for issues. Each is atomic, keyword-only and takes the acting person.

Anonymity is kept here: an anonymous issue or update is not written when it is sent but
waits outside the database (``issues.waiting_room``) and appears at a random moment within
the forum's window, with no person and no time of day; nobody is emailed about it but the
convenors (without the author's details).
"""

import logging
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.demo import load_sample
from forum_app.models import Forum, Notification, Role, User
from forum_app.notifications import notify
from issues import receipts, similar, waiting_room
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

SAFETY_CATEGORY = "Personal safety"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | float


@dataclass(frozen=True)
class IssueData:
    """What a person types when raising or editing an issue."""

    title: str
    body: str
    impact: str
    proposed_solution: str
    category: Category
    service_area: ServiceArea
    team: str = ""
    evidence: str = ""
    figures: Sequence[Figure] = field(default_factory=tuple)
    safety_risk: bool = False


class EditConflict(Exception):
    """Someone saved the issue after the editor opened it; ``current`` is what they saved."""

    def __init__(self, current: Issue) -> None:
        super().__init__("The issue changed while it was being edited.")
        self.current = current


def _today(forum: Forum):
    return timezone.localdate(timezone=forum.tzinfo)


def _link(issue: Issue) -> str:
    return settings.SITE_URL + issue.get_absolute_url()


def _tell_raiser(issue: Issue, *, actor: User | None, kind: str, dedupe_key: str, context: dict):
    """Email the person who raised ``issue`` under their name; never an anonymous raiser.

    Nobody is told about their own action.
    """
    raiser = issue.author
    if issue.is_anonymous or raiser is None or (actor is not None and actor.pk == raiser.pk):
        return
    notify(
        kind=kind,
        recipient=raiser,
        email=raiser.email,
        forum=issue.forum,
        dedupe_key=dedupe_key,
        context={"forum": issue.forum.name, "title": issue.title, "link": _link(issue), **context},
    )


def _convenors(forum: Forum):
    return User.objects.active_in(forum, Role.CONVENOR).order_by("pk")


def _check_choices(forum: Forum, data: IssueData) -> None:
    errors = {}
    if data.category.forum_id != forum.pk:
        errors["category"] = _("Choose one of this forum's categories.")
    if data.service_area.forum_id != forum.pk:
        errors["service_area"] = _("Choose one of this forum's service areas.")
    if errors:
        raise ValidationError(errors)


def _apply(issue: Issue, data: IssueData) -> None:
    issue.title = data.title
    issue.body = data.body
    issue.impact = data.impact
    issue.proposed_solution = data.proposed_solution
    issue.category = data.category
    issue.service_area = data.service_area
    issue.team = data.team
    issue.evidence = data.evidence
    issue.figures = [{"label": f.label, "value": f.value} for f in data.figures]
    issue.safety_risk = data.safety_risk


@transaction.atomic
def forum_defaults_create(*, forum: Forum) -> None:
    """Give ``forum`` the standard categories and service areas (idempotent)."""
    sample = load_sample()
    for position, name in enumerate(sample["categories"]):
        Category.objects.get_or_create(
            forum=forum,
            name=name,
            defaults={"position": position, "is_safety": name == SAFETY_CATEGORY},
        )
    for position, name in enumerate(sample["service_areas"]):
        ServiceArea.objects.get_or_create(forum=forum, name=name, defaults={"position": position})


@transaction.atomic
def issue_raise(
    *, forum: Forum, actor: User, data: IssueData, submission: str | None = None
) -> Issue:
    """Raise an issue under the actor's name. Safety issues alert the convenors at once.

    ``submission`` is the form's one-time token: the same form sent twice (Back, refresh)
    returns the issue it raised the first time instead of raising another.
    """
    _check_choices(forum, data)
    key = receipts.submission_hash(submission) if submission else None
    if key and (earlier := Issue.objects.filter(submission=key, forum=forum).first()):
        return earlier
    issue = Issue(
        forum=forum, raised_on=_today(forum), is_anonymous=False, author=actor, submission=key
    )
    _apply(issue, data)
    issue.full_clean()
    issue.save()
    Follow.objects.create(issue=issue, user=actor)
    _after_raise(issue)
    return issue


def _after_raise(issue: Issue) -> None:
    IssueEvent.objects.create(
        issue=issue, happened_on=issue.raised_on, kind=IssueEvent.Kind.RAISED, text=""
    )
    if issue.needs_fast_track:
        _alert_convenors(issue)
    similar.invalidate(forum_id=issue.forum_id)


def _due(forum: Forum) -> float:
    """A random moment within the forum's window from now, as a Unix time."""
    spread = forum.anonymity_window_minutes * 60
    return time.time() + random.SystemRandom().uniform(0, spread)


def issue_raise_anonymous(*, forum: Forum, data: IssueData, submission: str) -> str:
    """Raise an issue anonymously; returns the raiser's receipt code.

    Nothing is written to the database now and nothing names the person: the issue waits
    in the waiting room (``issues.waiting_room``) and appears at a random moment within the
    forum's window, so the time it appears says nothing about who raised it. The same form
    sent twice (``submission`` is its one-time token) waits once and gets the same code.
    Raises ``WaitingRoomUnavailable`` when the issue could not be put to wait.
    """
    _check_choices(forum, data)
    probe = Issue(forum=forum, raised_on=_today(forum), is_anonymous=True)
    _apply(probe, data)
    probe.full_clean(exclude=["receipt_hash", "feed_hash", "submission"])
    receipt = receipts.receipt_for_submission(submission)
    key = receipts.submission_hash(submission)
    item = {
        "kind": "issue",
        "forum": forum.pk,
        "due": _due(forum),
        "receipt_hash": receipts.receipt_hash(receipt),
        "feed_hash": receipts.feed_lookup(receipts.feed_token(receipt)),
        "data": {
            "title": data.title,
            "body": data.body,
            "impact": data.impact,
            "proposed_solution": data.proposed_solution,
            "category": data.category.pk,
            "service_area": data.service_area.pk,
            "team": data.team,
            "evidence": data.evidence,
            "figures": [{"label": f.label, "value": f.value} for f in data.figures],
            "safety_risk": data.safety_risk,
        },
    }
    room = waiting_room.room()
    waiting = room.items()
    if key in waiting or Issue.objects.filter(submission=key).exists():
        return receipt  # this very form, sent again: the same code
    if _same_words_sent(forum, data, waiting.values()):
        raise AlreadySent
    room.add(key, item)
    return receipt


class AlreadySent(Exception):
    """The same anonymous issue was sent a moment ago from a fresh copy of the form."""


def _same_words_sent(forum: Forum, data: IssueData, waiting: Iterable[dict]) -> bool:
    """Whether these words already wait to appear, or appeared anonymously since yesterday.

    Back then Raise, or a phone restoring its tab, can load the raise page again with a new
    one-time token and the browser's copy of what was typed, so the token alone cannot tell
    a second send. Only the words are compared: nothing about who sent them is needed or kept.
    """
    for item in waiting:
        words = item.get("data", {})
        if (
            item.get("kind") == "issue"
            and item.get("forum") == forum.pk
            and (words.get("title"), words.get("body")) == (data.title, data.body)
        ):
            return True
    since = _today(forum) - timedelta(days=1)
    return Issue.objects.filter(
        forum=forum, is_anonymous=True, title=data.title, body=data.body, raised_on__gte=since
    ).exists()


def _alert_convenors(issue: Issue) -> None:
    forum = issue.forum
    for convenor in _convenors(forum):
        notify(
            kind="safety_issue_raised",
            recipient=convenor,
            email=convenor.email,
            forum=forum,
            dedupe_key=f"safety_issue_raised:{issue.pk}:{convenor.pk}",
            context={
                "forum": forum.name,
                "title": issue.title,
                "category": issue.category.name,
                "safety_risk": issue.safety_risk,
                "raised_by": issue.author_label,
                "link": _link(issue),
            },
        )
    IssueEvent.objects.create(
        issue=issue,
        happened_on=_today(forum),
        kind=IssueEvent.Kind.ALERT,
        text=_("The convenors were alerted at once because this is about personal safety."),
    )


def issue_for_receipt(*, forum: Forum, receipt: str) -> Issue | None:
    """The anonymous issue in ``forum`` that this receipt code belongs to, if any."""
    if not receipts.normalise(receipt):
        return None
    return (
        Issue.objects.in_forum(forum)
        .for_display()
        .filter(is_anonymous=True, receipt_hash=receipts.receipt_hash(receipt))
        .first()
    )


def issue_raiser_update(*, forum: Forum, receipt: str, body: str, submission: str) -> Issue:
    """Send an update as "the person who raised this", proven only by the receipt code.

    Like an anonymous issue, the update waits outside the database and appears at a random
    moment within the forum's window; returns the issue it is for. The same form sent twice
    posts once. Raises ``ValidationError`` for a wrong code or an issue that was merged, and
    ``WaitingRoomUnavailable`` when the update could not be put to wait.
    """
    issue = issue_for_receipt(forum=forum, receipt=receipt)
    if issue is None:
        raise ValidationError(_("That receipt code does not match an issue in this forum."))
    if issue.merged_into_id is not None:
        raise ValidationError(_("This issue was merged into another. Add your update there."))
    Comment(issue=issue, from_raiser=True, body=body, posted_on=_today(forum)).full_clean(
        exclude=["submission"]
    )
    key = receipts.submission_hash(submission)
    item = {
        "kind": "update",
        "forum": forum.pk,
        "due": _due(forum),
        "receipt_hash": receipts.receipt_hash(receipt),
        "data": {"body": body},
    }
    if not Comment.objects.filter(submission=key).exists():
        waiting_room.room().add(key, item)
    return issue


def anonymous_publish_due(*, everything: bool = False) -> int:
    """Publish the anonymous issues and updates whose moment has come; returns how many.

    Each is written in its own transaction. One that was published already (a second
    sweeper, or a crash before it left the waiting room) is not written again. ``everything``
    publishes all that wait, due or not (before a planned restart of Redis).
    """
    room = waiting_room.room()
    now = time.time()
    published = 0
    for key, item in sorted(room.items().items(), key=lambda pair: pair[1]["due"]):
        if item["due"] > now and not everything:
            continue
        try:
            with transaction.atomic():
                published += _publish(key, item)
        except (ValidationError, ObjectDoesNotExist, KeyError, TypeError):
            # The forum, category or issue it was for has gone, or the item is damaged.
            logger.warning("An anonymous post could not be published and was dropped.")
        room.remove(key)
    return published


def _publish(key: str, item: dict) -> int:
    forum = Forum.objects.get(pk=item["forum"])
    data = item["data"]
    if item["kind"] == "update":
        if Comment.objects.filter(submission=key).exists():
            return 0
        issue = Issue.objects.get(forum=forum, is_anonymous=True, receipt_hash=item["receipt_hash"])
        if issue.merged_into_id is not None:
            raise ValidationError("merged")
        comment = Comment(
            issue=issue,
            from_raiser=True,
            body=data["body"],
            posted_on=_today(forum),
            submission=key,
        )
        comment.full_clean()
        comment.save()
        IssueEvent.objects.create(
            issue=issue, happened_on=comment.posted_on, kind=IssueEvent.Kind.UPDATE, text=""
        )
        return 1
    if Issue.objects.filter(submission=key).exists():
        return 0
    issue_data = IssueData(
        **(
            data
            | {
                "category": Category.objects.get(forum=forum, pk=data["category"]),
                "service_area": ServiceArea.objects.get(forum=forum, pk=data["service_area"]),
                "figures": tuple(Figure(**f) for f in data["figures"]),
            }
        )
    )
    issue = Issue(
        forum=forum,
        raised_on=_today(forum),
        is_anonymous=True,
        receipt_hash=item["receipt_hash"],
        feed_hash=item.get("feed_hash"),
        submission=key,
    )
    _apply(issue, issue_data)
    issue.full_clean()
    issue.save()
    _after_raise(issue)
    return 1


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
        posted_on=_today(issue.forum),
    )
    comment.full_clean()
    comment.save()
    _tell_raiser(
        issue,
        actor=actor,
        kind="issue_comment",
        dedupe_key=f"issue_comment:{comment.pk}",
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
    Issue.objects.filter(pk=issue.pk).update(
        hidden=True, hidden_reason=reason, version=F("version") + 1
    )
    IssueEvent.objects.create(
        issue=issue,
        happened_on=_today(issue.forum),
        kind=IssueEvent.Kind.HIDDEN,
        text=_("Hidden by a convenor: %(reason)s") % {"reason": reason},
    )
    similar.invalidate(forum_id=issue.forum_id)
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
    _check_choices(locked.forum, data)
    was_fast_tracked = locked.needs_fast_track
    today = _today(locked.forum)
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
    _apply(locked, data)
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
        _alert_convenors(locked)
    similar.invalidate(forum_id=locked.forum_id)
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
    link = _link(issue)
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
        happened_on=_today(locked.forum),
        kind=IssueEvent.Kind.CLOSED if closed else IssueEvent.Kind.STATUS,
        text=text,
        to_tell=closed,
    )
    similar.invalidate(forum_id=locked.forum_id)
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
        IssueEvent(issue=issue, happened_on=_today(issue.forum), kind=kind, text=text, to_tell=True)
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
    today = _today(target.forum)
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
    similar.invalidate(forum_id=duplicate.forum_id)
    return duplicate
