"""Seed a large forum (and a small twin) straight into the database, fast, with bulk inserts.

The large forum has the volume a busy authority reaches in a year; the small one has 100
issues so the benchmark can check that no page's query count grows with the data.
"""

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction
from django.utils import timezone

from forum_app.demo import load_sample
from forum_app.models import Forum, Membership, Role, User
from issues import defaults
from issues.models import Category, Comment, Issue, ServiceArea, Support

BATCH = 2000


def _people(forum: Forum, prefix: str, members: int) -> dict[str, list[User]]:
    users = [
        User(email=f"{prefix}{i}@bench.example", display_name=f"Member {i}") for i in range(members)
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=BATCH)
    users = list(User.objects.filter(email__endswith="@bench.example", email__startswith=prefix))
    roles = {Role.CONVENOR: users[:2], Role.STEWARD: users[2:3], Role.LEADER: users[3:6]}
    role_of = {u.pk: role for role, people in roles.items() for u in people}
    Membership.objects.bulk_create(
        [
            Membership(
                forum=forum,
                user=u,
                role=role_of.get(u.pk, Role.MEMBER),
                status=Membership.Status.ACTIVE,
            )
            for u in users
        ],
        batch_size=BATCH,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=BATCH,
    )
    for user in users[:6]:
        TOTP.activate(user, generate_totp_secret())
    return {
        "members": users[6:],
        "convenors": roles[Role.CONVENOR],
        "leaders": roles[Role.LEADER],
        "stewards": roles[Role.STEWARD],
    }


def _lists(forum: Forum) -> tuple[list[Category], list[ServiceArea]]:
    categories = [
        Category(forum=forum, name=name, position=i, is_safety=name == defaults.SAFETY_CATEGORY)
        for i, name in enumerate(defaults.CATEGORIES)
    ]
    areas = [
        ServiceArea(forum=forum, name=n, position=i) for i, n in enumerate(defaults.SERVICE_AREAS)
    ]
    Category.objects.bulk_create(categories)
    ServiceArea.objects.bulk_create(areas)
    return list(Category.objects.filter(forum=forum)), list(ServiceArea.objects.filter(forum=forum))


def seed_forum(*, slug: str, issues: int, members: int, seed: int = 7) -> dict:
    """Create one forum with ``members`` people and ``issues`` issues; return its key objects."""
    rng = random.Random(seed)
    sample = load_sample()
    texts = sample["issues"]
    today = timezone.localdate()
    with transaction.atomic():
        forum = Forum.objects.create(name=f"Bench forum {slug}", slug=slug)
        people = _people(forum, f"{slug}-", members)
        categories, areas = _lists(forum)
        rows = []
        for i in range(issues):
            source = texts[i % len(texts)]
            anonymous = rng.random() < 0.3
            rows.append(
                Issue(
                    forum=forum,
                    title=f"{source['title']} ({i})",
                    body=source["body"],
                    impact="Visits slip and families wait longer; staff work late to catch up.",
                    proposed_solution=source["proposed_solution"],
                    category=rng.choice(categories),
                    service_area=rng.choice(areas),
                    raised_on=today - timedelta(days=rng.randrange(365)),
                    is_anonymous=anonymous,
                    author=None if anonymous else rng.choice(people["members"]),
                )
            )
        Issue.objects.bulk_create(rows, batch_size=BATCH)
        issue_ids = list(Issue.objects.filter(forum=forum).values_list("pk", flat=True))
        supports = set()
        for issue_id in issue_ids:
            for user in rng.sample(
                people["members"], k=min(len(people["members"]), rng.randrange(8))
            ):
                supports.add((issue_id, user.pk))
        Support.objects.bulk_create(
            [Support(issue_id=i, user_id=u) for i, u in supports], batch_size=BATCH
        )
        Comment.objects.bulk_create(
            [
                Comment(
                    issue_id=issue_id,
                    author=rng.choice(people["members"]),
                    body="Same here: it happened twice last week in our team.",
                    posted_on=today - timedelta(days=rng.randrange(30)),
                )
                for issue_id in issue_ids
                for _ in range(2)
            ],
            batch_size=BATCH,
        )
        _cycle(forum, rng, issue_ids, people, today, scale=issues / 10_000)
    return {"forum": forum, "issue_ids": issue_ids, **people}


def _cycle(forum, rng, issue_ids, people, today, *, scale: float) -> None:
    """What a year of monthly cycles leaves behind, scaled to the forum: at 10,000 issues
    300 themes (the first 100 issues stay ungrouped), 60 closed meetings, 300 briefs with
    responses and commitments, and 12 months of workload pulse answers."""
    from escalations.models import Brief, BriefStatus, Commitment, Response
    from meetings.models import Meeting, MeetingTheme, Phase, Theme, ThemeIssue, ThemeStatus
    from summaries.models import PulseAnswer, PulseReceipt

    sample_themes = sorted({row["theme"] for row in load_sample()["issues"]})
    statuses = list(ThemeStatus.values)
    themes = Theme.objects.bulk_create(
        [
            Theme(
                forum=forum,
                name=f"{sample_themes[i % len(sample_themes)]} ({i})",
                status=rng.choice(statuses),
            )
            for i in range(max(3, round(300 * scale)))
        ]
    )
    grouped = issue_ids[100 : 100 + 20 * len(themes)]
    ThemeIssue.objects.bulk_create(
        [ThemeIssue(theme=themes[i % len(themes)], issue_id=pk) for i, pk in enumerate(grouped)],
        batch_size=BATCH,
    )
    now = timezone.now()
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                forum=forum,
                title=f"Forum meeting {i + 1}",
                starts_at=now - timedelta(days=30 * (i + 1)),
                ends_at=now - timedelta(days=30 * (i + 1), hours=-2),
                phase=Phase.CLOSED,
            )
            for i in range(max(2, round(60 * scale)))
        ]
    )
    MeetingTheme.objects.bulk_create(
        [
            MeetingTheme(meeting=meeting, theme=theme)
            for meeting in meetings
            for theme in rng.sample(themes, k=min(len(themes), 8))
        ]
    )
    sent = [s for s in BriefStatus.values if s != BriefStatus.DRAFT]
    briefs = Brief.objects.bulk_create(
        [
            Brief(
                forum=forum,
                theme=themes[i % len(themes)],
                reference=f"{forum.slug.upper()}-{i + 1:03d}",
                title=f"{themes[i % len(themes)].name}: what we ask",
                problem="Practitioners hold more cases than the agreed maximum.",
                ask="Agree a cap and publish the weighting tool.",
                status=rng.choice(sent),
                sent_at=now - timedelta(days=rng.randrange(365)),
                response_by=today + timedelta(days=rng.randrange(-60, 60)),
                created_by=people["convenors"][0],
            )
            for i in range(max(3, round(300 * scale)))
        ]
    )
    Recipient = Brief.recipients.through
    Recipient.objects.bulk_create(
        [
            Recipient(brief_id=brief.pk, user_id=people["leaders"][i % 2].pk)
            for i, brief in enumerate(briefs)
        ]
    )
    answered = [b for b in briefs if b.status not in (BriefStatus.SENT, BriefStatus.ACKNOWLEDGED)]
    Response.objects.bulk_create(
        [
            Response(
                brief=brief,
                leader=people["leaders"][0],
                position=rng.choice(Response.Position.values),
                reasons="We agree in part and will report back to the forum.",
            )
            for brief in answered
        ]
    )
    Commitment.objects.bulk_create(
        [
            Commitment(
                brief=brief,
                what="Review caseloads in the three teams named and report back.",
                owner="Head of service",
                due_on=today + timedelta(days=rng.randrange(-30, 90)),
                status=rng.choice(Commitment.Status.values),
                made_by=people["leaders"][0],
            )
            for brief in answered
            for _ in range(2)
        ]
    )
    areas = list(ServiceArea.objects.filter(forum=forum))
    answering = people["members"][: min(len(people["members"]), 300)]
    months = [(today.replace(day=1) - timedelta(days=31 * m)).replace(day=1) for m in range(12)]
    PulseReceipt.objects.bulk_create(
        [PulseReceipt(forum=forum, user=u, month=m) for m in months for u in answering],
        batch_size=BATCH,
    )
    PulseAnswer.objects.bulk_create(
        [
            PulseAnswer(
                forum=forum,
                month=m,
                service_area=rng.choice(areas),
                caseload=rng.randrange(12, 35),
                extra_hours=rng.randrange(0, 12),
                admin_percent=rng.randrange(20, 70),
                wellbeing=rng.randrange(1, 6),
            )
            for m in months
            for _ in answering
        ],
        batch_size=BATCH,
    )


def settle_database() -> None:
    """VACUUM ANALYZE after the bulk load, as autovacuum would soon do on a live server.

    Without it the planner has no statistics and the full-text index still holds its bulk
    "pending list", so search would be measured on a database no real forum runs on.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
