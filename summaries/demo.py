"""Demo workload pulse: six past months of answers for the demo forum.

The largest service areas get enough answers to be shown; the smallest stay under the
forum's threshold, so the page shows both a breakdown and folding at work. Answers carry no
receipts, so the demo people can still answer this month themselves.
"""

import random

from django.utils import timezone

from forum_app.models import Forum
from issues.models import ServiceArea
from summaries.models import PulseAnswer
from summaries.pulse import months_back

DEMO_MONTHS = 6
ANSWERS_PER_AREA = (11, 8, 6, 3, 2, 1)
UNNAMED_AREA = 3


def seed_pulse(forum: Forum) -> None:
    """Add six months of pulse answers before this month (once: skipped if any exist)."""
    if PulseAnswer.objects.in_forum(forum).exists():
        return
    chance = random.Random(f"pulse-{forum.slug}")
    areas = list(ServiceArea.objects.filter(forum=forum).order_by("name"))
    this_month = timezone.localdate(timezone=forum.tzinfo).replace(day=1)
    answers = []
    for back in range(DEMO_MONTHS, 0, -1):
        month = months_back(this_month, back + 1)
        strain = (DEMO_MONTHS - back) / DEMO_MONTHS
        groups = [*zip(areas, ANSWERS_PER_AREA, strict=False), (None, UNNAMED_AREA)]
        for area, count in groups:
            for _ in range(count):
                answers.append(
                    PulseAnswer(
                        forum=forum,
                        month=month,
                        service_area=area,
                        caseload=chance.randint(14, 22) + round(4 * strain),
                        extra_hours=chance.randint(2, 8) + round(3 * strain),
                        admin_percent=chance.randint(35, 60),
                        wellbeing=max(1, min(5, chance.randint(2, 4) - round(strain))),
                    )
                )
    PulseAnswer.objects.bulk_create(answers)
