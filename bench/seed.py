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


def _lists(forum: Forum, sample: dict) -> tuple[list[Category], list[ServiceArea]]:
    categories = [
        Category(forum=forum, name=name, position=i, is_safety=name == "Personal safety")
        for i, name in enumerate(sample["categories"])
    ]
    areas = [
        ServiceArea(forum=forum, name=n, position=i) for i, n in enumerate(sample["service_areas"])
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
        categories, areas = _lists(forum, sample)
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
    return {"forum": forum, "issue_ids": issue_ids, **people}


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
