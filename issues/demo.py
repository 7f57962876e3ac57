"""Demo issues for the demo forum: the 45 samples, named and anonymous, over six months."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from forum_app.demo import DEMO_PEOPLE, load_sample
from forum_app.models import Forum, Membership, Role, User
from issues import defaults, services
from issues.models import (
    Category,
    Comment,
    Follow,
    Issue,
    IssueEvent,
    ServiceArea,
    Status,
    Support,
)

DEMO_COMMENTS = [
    ("Same in our team. We raised it with our manager in March and nothing changed.", False),
    ("Could we ask for a protected half-day each week for recording?", True),
    ("This affects agency staff even more – they are not told about the workaround.", False),
    ("A shared template would save everyone time; happy to draft one.", True),
]
STATUSES = [Status.ON_AGENDA, Status.ON_AGENDA, Status.RESOLVED]


@transaction.atomic
def seed_issues(forum: Forum, *, seed: int = 2026) -> int:
    """Create the forum's lists and the sample issues (once); returns how many were added.

    Dates are spread over the last six months. Every third issue is anonymous; the rest are
    raised by demo members. Supports, a few comments and statuses make the lists lively.
    """
    services.forum_defaults_create(forum=forum)
    if Issue.objects.in_forum(forum).exists():
        return 0
    rng = random.Random(seed)
    member_emails = [p.email for p in DEMO_PEOPLE if p.role in (Role.MEMBER, Role.CONVENOR)]
    members = list(
        User.objects.filter(
            email__in=member_emails,
            memberships__forum=forum,
            memberships__status=Membership.Status.ACTIVE,
        ).order_by("email")
    )
    categories = {c.name: c for c in Category.objects.filter(forum=forum)}
    areas = {a.name: a for a in ServiceArea.objects.filter(forum=forum)}
    today = timezone.localdate(timezone=forum.tzinfo)
    samples = load_sample()["issues"]
    for index, sample in enumerate(samples):
        anonymous = index % 3 == 2 or not members
        author = None if anonymous else members[index % len(members)]
        raised_on = today - timedelta(days=int(180 * (len(samples) - index) / len(samples)))
        issue = Issue.objects.create(
            forum=forum,
            title=sample["title"],
            body=sample["body"],
            impact=sample.get("impact")
            or "People who use services wait longer, and staff carry the strain.",
            proposed_solution=sample["proposed_solution"],
            category=categories[sample["category"]],
            service_area=areas[sample["service_area"]],
            raised_on=raised_on,
            is_anonymous=anonymous,
            author=author,
            safety_risk=sample["category"] == defaults.SAFETY_CATEGORY,
        )
        IssueEvent.objects.create(issue=issue, happened_on=raised_on, kind=IssueEvent.Kind.RAISED)
        supporters = rng.sample(members, k=rng.randint(0, min(8, len(members))))
        Support.objects.bulk_create(
            [Support(issue=issue, user=user) for user in supporters], ignore_conflicts=True
        )
        followers = [*supporters, *([author] if author else [])]
        Follow.objects.bulk_create(
            [Follow(issue=issue, user=user) for user in followers], ignore_conflicts=True
        )
        if index % 5 == 0 and members:
            body, is_solution = DEMO_COMMENTS[(index // 5) % len(DEMO_COMMENTS)]
            Comment.objects.create(
                issue=issue,
                author=rng.choice(members),
                body=body,
                is_solution=is_solution,
                posted_on=min(today, raised_on + timedelta(days=3)),
            )
        if index < len(STATUSES):
            issue.status = STATUSES[index]
            issue.save(update_fields=["status"])
            IssueEvent.objects.create(
                issue=issue,
                happened_on=min(today, raised_on + timedelta(days=14)),
                kind=IssueEvent.Kind.STATUS,
                text=f"Status changed to “{Status(issue.status).label}”.",
            )
    return len(samples)
