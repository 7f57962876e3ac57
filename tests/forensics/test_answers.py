"""Workload-pulse and "did it make a difference?" answers cannot be tied to fewer than five people.

The same attack as on ballots (``test_ballots``): tie each stored trace of an answer to the
receipt written by the same transaction (or one of its savepoints, a few ids on), read the
answer from the trace, and see how many answers each person's could be. Each test of the real
code is paired with one that plants the old design and shows the attack then succeeds.
"""

import datetime
from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import F

from escalations.models import DifferenceReceipt, DifferenceTally
from escalations.services import briefs
from summaries import services as pulse_services
from summaries.models import PulseAnswer, PulseReceipt
from summaries.services import PulseData
from tests.escalations.world import sent_brief
from tests.factories import MembershipFactory
from tests.forensics.conftest import heap, xmins

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

K = 5
MAY = datetime.date(2026, 5, 12)


def tie(receipts: dict[int, int], traces: dict[int, list]) -> dict[int, list]:
    """Each person's candidate answers: the answers written within a few transaction ids of
    their receipt (savepoints take the ids just after their transaction's)."""
    found = defaultdict(list)
    for xid, answers in traces.items():
        nearest = min(receipts, key=lambda r: abs(r - xid))
        if abs(nearest - xid) <= 3:
            found[receipts[nearest]].extend(answers)
    return dict(found)


# The workload pulse ------------------------------------------------------------------------


def pulse_traces() -> dict[int, list]:
    """What a dump shows of pulse answers: each row with the transaction that wrote it."""
    traces = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute("SELECT caseload, wellbeing, xmin::text::bigint FROM summaries_pulseanswer")
        for caseload, wellbeing, xmin in cursor.fetchall():
            traces[xmin].append((caseload, wellbeing))
    return traces


def answer_pulse(forum, people, *, old_design=False) -> dict[int, tuple]:
    truth = {}
    for n, person in enumerate(people):
        data = PulseData(caseload=20 + n, extra_hours=n, admin_percent=40, wellbeing=1 + n % 5)
        if old_design:
            with transaction.atomic():
                PulseReceipt.objects.create(forum=forum, user=person, month=MAY.replace(day=1))
                PulseAnswer.objects.create(
                    forum=forum, month=MAY.replace(day=1), **{**data.__dict__, "service_area": None}
                )
        else:
            pulse_services.pulse_answer(forum=forum, actor=person, data=data, today=MAY)
        truth[person.pk] = (data.caseload, data.wellbeing)
    return truth


@pytest.mark.parametrize("count", [12, 3])
def test_no_pulse_answer_can_be_tied_to_fewer_than_five_people(pageinspect, forum, count):
    people = [MembershipFactory(forum=forum).user for _ in range(count)]
    answer_pulse(forum, people)
    receipts = {x: u for u, x in xmins("summaries_pulsereceipt", "user_id").items()}
    assert tie(receipts, pulse_traces()) == {}  # during the month: nothing readable

    pulse_services.pulse_count_past_months(today=datetime.date(2026, 6, 1))

    found = tie(receipts, pulse_traces())
    for candidates in found.values():
        assert len(candidates) >= min(K, count)
    assert PulseAnswer.objects.count() == count
    sealed = [bytes(v.values["sealed"]) for v in heap("forum_app_sealedentry")]
    assert sealed and not any(b"caseload" in s for s in sealed)  # old versions: still sealed


def test_the_attack_ties_every_pulse_answer_in_the_old_design(pageinspect, forum):
    people = [MembershipFactory(forum=forum).user for _ in range(12)]
    truth = answer_pulse(forum, people, old_design=True)
    receipts = {x: u for u, x in xmins("summaries_pulsereceipt", "user_id").items()}

    found = tie(receipts, pulse_traces())

    assert found == {user: [answer] for user, answer in truth.items()}


# "Did this make a difference?" ------------------------------------------------------------


def difference_traces(brief) -> dict[int, list]:
    """Each transaction's change to the counts, read from the counts' row versions on disk."""
    versions = defaultdict(list)
    for version in heap("escalations_differencetally"):
        if version.values["brief_id"] == brief.pk:
            versions[bytes(version.values["answer"]).decode()].append(version)
    traces = defaultdict(list)
    for answer, rows in versions.items():
        rows.sort(key=lambda v: (v.values["count"], v.xmin))  # a count only grows
        previous = 0
        for row in rows:
            added = row.values["count"] - previous
            if added:
                traces[row.xmin].extend([answer] * added)
            previous = row.values["count"]
    return traces


def answer_difference(brief, people, *, old_design=False) -> dict[int, str]:
    choices = ["yes", "no", "a_little"]
    truth = {}
    for n, person in enumerate(people):
        answer = choices[n % 3]
        if old_design:
            with transaction.atomic():
                DifferenceReceipt.objects.create(brief=brief, user=person)
                tally, _ = DifferenceTally.objects.get_or_create(brief=brief, answer=answer)
                DifferenceTally.objects.filter(pk=tally.pk).update(count=F("count") + 1)
        else:
            briefs.difference_answer(brief=brief, actor=person, answer=answer)
        truth[person.pk] = answer
    return truth


@pytest.fixture
def resolved(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    return briefs.brief_set_status(brief=brief, actor=convenor, status="resolved")


def test_no_difference_answer_can_be_tied_to_fewer_than_five_people(pageinspect, forum, resolved):
    people = [MembershipFactory(forum=forum).user for _ in range(12)]
    answer_difference(resolved, people)
    receipts = {x: u for u, x in xmins("escalations_differencereceipt", "user_id").items()}

    found = tie(receipts, difference_traces(resolved))

    assert found  # some answers were counted (two batches of five)
    for candidates in found.values():
        assert len(candidates) >= K
    assert sum(DifferenceTally.objects.values_list("count", flat=True)) == 10
    assert briefs.difference_waiting(resolved) == 2


def test_the_attack_ties_every_difference_answer_in_the_old_design(pageinspect, forum, resolved):
    people = [MembershipFactory(forum=forum).user for _ in range(12)]
    truth = answer_difference(resolved, people, old_design=True)
    receipts = {x: u for u, x in xmins("escalations_differencereceipt", "user_id").items()}

    found = tie(receipts, difference_traces(resolved))

    assert found == {user: [answer] for user, answer in truth.items()}
