"""Writes for issues. Each is atomic, keyword-only and takes the acting person.

Anonymity is kept here: when an issue is raised anonymously nothing written in the same
transaction names or points to the person, and nobody is emailed about it but the
convenors (without the author's details).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.demo import load_sample
from forum_app.models import Forum, Role, User
from forum_app.notifications import notify
from issues import receipts, similar
from issues.models import (
    Category,
    Comment,
    Issue,
    IssueEvent,
    IssueRevision,
    ServiceArea,
    Status,
    Support,
)

SAFETY_CATEGORY = "Personal safety"


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


@dataclass(frozen=True)
class RaisedIssue:
    """The new issue and, for an anonymous one, the receipt code to show once."""

    issue: Issue
    receipt: str | None


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
def issue_raise(*, forum: Forum, actor: User, data: IssueData, anonymous: bool) -> RaisedIssue:
    """Raise an issue under the actor's name or anonymously.

    An anonymous issue stores no author, only the date, and a hash of a new receipt code
    that is returned once. Safety issues alert the forum's convenors at once; for an
    anonymous issue the alert says only that it was raised anonymously.
    """
    _check_choices(forum, data)
    receipt = receipts.new_receipt() if anonymous else None
    issue = Issue(
        forum=forum,
        raised_on=_today(forum),
        is_anonymous=anonymous,
        author=None if anonymous else actor,
        receipt_hash=receipts.receipt_hash(receipt) if receipt else None,
    )
    _apply(issue, data)
    issue.full_clean()
    issue.save()
    IssueEvent.objects.create(
        issue=issue, happened_on=issue.raised_on, kind=IssueEvent.Kind.RAISED, text=""
    )
    if issue.needs_fast_track:
        _alert_convenors(issue)
    similar.invalidate(forum_id=forum.pk)
    return RaisedIssue(issue=issue, receipt=receipt)


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


@transaction.atomic
def issue_raiser_update(*, forum: Forum, receipt: str, body: str) -> Comment:
    """Post an update as "the person who raised this", proven only by the receipt code."""
    issue = issue_for_receipt(forum=forum, receipt=receipt)
    if issue is None:
        raise ValidationError(_("That receipt code does not match an issue in this forum."))
    if issue.merged_into_id is not None:
        raise ValidationError(_("This issue was merged into another. Add your update there."))
    comment = Comment(
        issue=issue, author=None, from_raiser=True, body=body, posted_on=_today(forum)
    )
    comment.full_clean()
    comment.save()
    IssueEvent.objects.create(
        issue=issue, happened_on=comment.posted_on, kind=IssueEvent.Kind.UPDATE, text=""
    )
    return comment


@transaction.atomic
def issue_support(*, issue: Issue, actor: User) -> None:
    """Add the actor's "me too". Supporting twice, even at the same moment, counts once."""
    if issue.merged_into_id is not None:
        raise ValidationError(_("This issue was merged into another. Support that one instead."))
    Support.objects.bulk_create([Support(issue=issue, user=actor)], ignore_conflicts=True)


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
def issue_edit(*, issue: Issue, actor: User, data: IssueData, expected_version: int) -> Issue:
    """Save an edit, keeping the previous text as a revision.

    Raises ``EditConflict`` when someone else saved since ``expected_version`` was read,
    so nobody's words are overwritten without them seeing it.
    """
    locked = Issue.objects.select_for_update(of=("self",)).select_related("forum").get(pk=issue.pk)
    if locked.version != expected_version:
        raise EditConflict(Issue.objects.for_display().get(pk=issue.pk))
    _check_choices(locked.forum, data)
    was_fast_tracked = locked.needs_fast_track
    today = _today(locked.forum)
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
    _apply(locked, data)
    locked.version += 1
    locked.full_clean()
    locked.save()
    by_raiser = not locked.is_anonymous and locked.author_id == actor.pk
    IssueEvent.objects.create(
        issue=locked,
        happened_on=today,
        kind=IssueEvent.Kind.EDITED,
        text=_("Edited by the person who raised it") if by_raiser else _("Edited by a convenor"),
    )
    if locked.needs_fast_track and not was_fast_tracked:
        _alert_convenors(locked)
    similar.invalidate(forum_id=locked.forum_id)
    return locked


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
    event = IssueEvent.objects.create(
        issue=locked, happened_on=_today(locked.forum), kind=IssueEvent.Kind.STATUS, text=text
    )
    similar.invalidate(forum_id=locked.forum_id)
    _tell_raiser(
        locked,
        actor=actor,
        kind="issue_status",
        dedupe_key=f"issue_status:{event.pk}",
        context={"status": str(label), "reason": reason},
    )
    return locked


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
