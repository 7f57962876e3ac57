"""Receipt guessing is slowed without shutting out colleagues behind the same address.

Staff usually reach the forum through one council address. These tests play a guesser and a
colleague on that address: the guesser is slowed to a handful of useful tries an hour, the
colleague's own code still opens their issue, and nothing written names either of them.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import receipts, services
from issues.models import Comment
from tests.conftest import client_for
from tests.factories import MembershipFactory, raise_issue
from tests.issues.conftest import issue_data

pytestmark = pytest.mark.django_db
COUNCIL = "203.0.113.7"  # the one address every office's traffic comes from


def follow(client, forum, code: str, *, address: str = COUNCIL):
    return client.post(
        reverse("issues:follow", args=[forum.slug]), {"receipt": code}, REMOTE_ADDR=address
    )


def test_200_wrong_codes_from_one_address_do_not_stop_a_colleague_there(forum, lists, member):
    colleague = MembershipFactory(forum=forum).user
    raised = raise_issue(forum=forum, actor=colleague, data=issue_data(lists), anonymous=True)
    guesser = client_for(member)
    answers = [follow(guesser, forum, receipts.new_receipt()).status_code for _ in range(200)]
    assert 429 in answers  # the guesser was told to slow down

    page = follow(client_for(colleague), forum, raised.receipt)
    assert page.status_code == 200
    assert raised.issue.title in page.text
    update = client_for(colleague).post(
        reverse("issues:follow_update", args=[forum.slug]),
        {"receipt": raised.receipt, "body": "It got worse this week."},
        REMOTE_ADDR=COUNCIL,
    )
    assert update.status_code == 302
    services.anonymous_publish_due(everything=True)
    assert Comment.objects.filter(from_raiser=True, issue=raised.issue).exists()


def completions(code: str, unknown: int) -> list[str]:
    """Every code that matches ``code`` but for its last ``unknown`` letters."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    known = receipts.normalise(code)[:-unknown]
    found = [""]
    for _ in range(unknown):
        found = [start + letter for start in found for letter in alphabet]
    return [known + tail for tail in found]


@pytest.mark.parametrize(
    ("addresses", "allowance_used_first"), [(1, False), (50, False), (1, True)]
)
def test_someone_who_knows_most_of_a_code_gets_fewer_than_100_tries_an_hour(
    forum, lists, member, addresses, allowance_used_first
):
    """They saw all but the last two letters (1,024 codes to try), from one address or many.

    Using up the address's allowance with random codes first does not switch the limit off.
    """
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    guesser = client_for(MembershipFactory(forum=forum).user)
    if allowance_used_first:
        for _ in range(receipts.ADDRESS_LIMIT + 5):
            follow(guesser, forum, receipts.new_receipt(), address="198.51.100.0")
    candidates = completions(raised.receipt, 2)
    candidates.remove(receipts.normalise(raised.receipt))
    candidates.insert(500, receipts.normalise(raised.receipt))  # the right one comes late

    checked = 0
    for number, code in enumerate(candidates):
        response = follow(guesser, forum, code, address=f"198.51.100.{number % addresses}")
        if "tried too many times" not in response.text:
            checked += 1
        if number == 500:
            assert response.status_code == 429  # even the right code is refused now
            assert raised.issue.title not in response.text
    assert checked < 100
    assert checked == receipts.PART_LIMIT


def test_a_random_guesser_is_told_to_slow_down_after_the_address_allowance(forum, member):
    guesser = client_for(member)
    answers = [follow(guesser, forum, receipts.new_receipt()).status_code for _ in range(100)]
    assert answers.count(200) == receipts.ADDRESS_LIMIT < 100
    assert set(answers[receipts.ADDRESS_LIMIT :]) == {429}


def test_following_a_receipt_writes_nothing_that_names_the_person(
    forum, lists, member, monkeypatch
):
    raised = raise_issue(forum=forum, actor=member, data=issue_data(lists), anonymous=True)
    client = client_for(member)
    client.get(reverse("issues:follow", args=[forum.slug]))  # the session's own timer, as anywhere
    with CaptureQueriesContext(connection) as queries:
        follow(client, forum, raised.receipt)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith("SELECT") and "SAVEPOINT" not in q["sql"]
    ]
    assert writes == []  # a right code writes nothing at all

    counted: list[str] = []
    monkeypatch.setattr(receipts, "_count", counted.append)
    code = receipts.normalise(raised.receipt)
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")  # the raiser mistypes one letter
    follow(client, forum, typo)
    assert len(counted) == 1 + 8  # the address, and each of the eight parts
    written = " ".join(counted)
    parts = [code[i : i + 4] for i in range(0, 32, 4)]
    for value in [member.email, member.display_name, COUNCIL, *parts]:
        assert value not in written
