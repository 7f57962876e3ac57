"""What raising, editing and answering issues share: the data a form hands over, checks,
the link and emails about an issue, and what follows a new issue."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import Forum, User
from forum_app.notifications import notify_each
from issues.models import (
    Category,
    Issue,
    IssueEvent,
    ServiceArea,
)


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


def today_in(forum: Forum):
    return timezone.localdate(timezone=forum.tzinfo)


def issue_link(issue: Issue) -> str:
    return settings.SITE_URL + issue.get_absolute_url()


def tell_raiser(issue: Issue, *, actor: User | None, kind: str, key: dict, context: dict):
    """Email the person who raised ``issue`` under their name; never an anonymous raiser.

    Nobody is told about their own action.
    """
    raiser = issue.author
    if issue.is_anonymous or raiser is None or (actor is not None and actor.pk == raiser.pk):
        return
    notify_each(
        kind,
        [raiser],
        forum=issue.forum,
        key=key,
        context={
            "forum": issue.forum.name,
            "title": issue.title,
            "link": issue_link(issue),
            **context,
        },
    )


def check_choices(forum: Forum, data: IssueData) -> None:
    errors = {}
    if data.category.forum_id != forum.pk:
        errors["category"] = _("Choose one of this forum's categories.")
    if data.service_area.forum_id != forum.pk:
        errors["service_area"] = _("Choose one of this forum's service areas.")
    if errors:
        raise ValidationError(errors)


def apply_data(issue: Issue, data: IssueData) -> None:
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


def alert_convenors(issue: Issue) -> None:
    forum = issue.forum
    notify_each(
        "safety_issue_raised",
        User.objects.convenors_of(forum),
        forum=forum,
        key={"issue": issue.pk},
        context={
            "forum": forum.name,
            "title": issue.title,
            "category": issue.category.name,
            "safety_risk": issue.safety_risk,
            "raised_by": issue.author_label,
            "link": issue_link(issue),
        },
    )
    IssueEvent.objects.create(
        issue=issue,
        happened_on=today_in(forum),
        kind=IssueEvent.Kind.ALERT,
        text=_("The convenors were alerted at once because this is about personal safety."),
    )


def after_raise(issue: Issue) -> None:
    IssueEvent.objects.create(
        issue=issue, happened_on=issue.raised_on, kind=IssueEvent.Kind.RAISED, text=""
    )
    if issue.needs_fast_track:
        alert_convenors(issue)
