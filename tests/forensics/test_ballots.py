"""Ballots cannot be tied to fewer than five voters by whoever reads the database.

The adversary reads, at any moment (during the vote or after), every version of every row:
the receipts (who voted), the sealed ballots, the opened ballots and the totals, with the
transaction ids that wrote them. ``link_ballots`` is their attack. Each test of the real code
is paired with one that plants the old design's weakness and shows the same attack then
rebuilds every ballot, so the attack is known to work.
"""

import json
import random
from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from forum_app import sealed_box
from meetings import services
from meetings.models import Ballot, BallotReceipt, Phase, ThemeTally
from meetings.views.ballots import CODE_COOKIE
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory
from tests.forensics.conftest import heap, xmins
from tests.meetings.conftest import advance_to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

K = 5


def open_vote(forum, convenor):
    meeting = advance_to(MeetingFactory(forum=forum), convenor, Phase.GROUP)
    themes = [
        services.theme_create(meeting=meeting, actor=convenor, name=name)
        for name in ("Caseloads", "IT systems", "Lone working")
    ]
    return advance_to(meeting, convenor, Phase.VOTE), themes


def ballots_for(count: int, themes) -> list[dict[int, int]]:
    """Distinct ballots, so that linking one to its voter would be unambiguous."""
    shapes = [(a, b, c) for a in range(4) for b in range(4) for c in range(4) if 0 < a + b + c <= 5]
    chosen = random.Random(7).sample(shapes, count)
    return [{t.pk: n for t, n in zip(themes, shape, strict=True) if n} for shape in chosen]


def vote_over_http(forum, meeting, voters, ballots) -> dict[int, str]:
    """Each voter votes through the page; returns the ballot code each was shown."""
    url = reverse("meetings:vote", args=[forum.slug, meeting.pk])
    codes = {}
    for voter, ballot in zip(voters, ballots, strict=True):
        response = client_for(voter).post(url, {f"theme_{pk}": n for pk, n in ballot.items()})
        assert response.status_code == 302, response.content.decode()[:500]
        if CODE_COOKIE in response.cookies:
            codes[voter.pk] = response.cookies[CODE_COOKIE].value.split(":")[0]
    return codes


def change_over_http(forum, meeting, voter, code: str, ballot) -> None:
    url = reverse("meetings:vote", args=[forum.slug, meeting.pk])
    data = {f"theme_{pk}": n for pk, n in ballot.items()} | {"code": code}
    response = client_for(voter).post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]


def _key(ballot: dict) -> tuple:
    return tuple(sorted((int(k), int(v)) for k, v in ballot.items() if int(v)))


def link_ballots(meeting) -> dict[int, list[tuple] | None]:
    """The attack: for each voter, every ballot the stored traces leave possible.

    None means nothing stored ties any counted ballot to them yet (their ballot is still
    sealed). The traces tried:
    - the totals' row versions on disk: the difference between two versions of a total is
      what the transaction that wrote the newer one added, so a transaction that is also a
      voter's receipt gives that voter's ballot away;
    - sealed ballots: read as plain JSON when they are not really sealed;
    - counted ballots, grouped by the transaction that wrote them: a voter's ballot is among
      the ballots written by their receipt's transaction, or else among those counted after.
    """
    receipts = {
        xmin: user
        for user, xmin in xmins("meetings_ballotreceipt", "user_id").items()
        if BallotReceipt.objects.filter(meeting=meeting, user_id=user).exists()
    }
    by_transaction: dict[int, dict[int, int]] = defaultdict(dict)
    versions = [v for v in heap("meetings_themetally") if v.values["meeting_id"] == meeting.pk]
    by_theme = defaultdict(list)
    for version in versions:
        by_theme[version.values["theme_id"]].append(version)
    for theme, rows in by_theme.items():
        rows.sort(key=lambda v: v.xmin)
        for before, after in zip(rows, rows[1:], strict=False):
            if after.values["dots"] != before.values["dots"]:
                by_transaction[after.xmin][theme] = after.values["dots"] - before.values["dots"]
    for version in heap("forum_app_sealedentry"):
        try:
            ballot = json.loads(bytes(version.values["sealed"]).decode().strip())
        except (UnicodeDecodeError, ValueError):
            continue  # sealed: unreadable without the key
        by_transaction[version.xmin] = {int(k): v for k, v in ballot.items()}
    counted = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT dots, xmin::text::bigint FROM meetings_ballot WHERE meeting_id = %s",
            [meeting.pk],
        )
        for dots, xmin in cursor.fetchall():
            counted[xmin].append(_key(json.loads(dots) if isinstance(dots, str) else dots))
    # A transaction's savepoints write with ids of their own just after its id, so a trace
    # written a few ids from a voter's receipt (with no other receipt nearer) is theirs,
    # unless it comes from the convenor moving the meeting on (which writes the meeting row).
    convenor_moves = {v.xmin for v in heap("meetings_meeting") if v.values["id"] == meeting.pk}

    def owner(xid: int) -> int | None:
        if any(0 <= xid - move <= 3 for move in convenor_moves):
            return None
        nearest = min(receipts, key=lambda r: abs(r - xid), default=None)
        return receipts[nearest] if nearest is not None and abs(nearest - xid) <= 3 else None

    traced = {owner(xid): ballot for xid, ballot in by_transaction.items() if owner(xid)}
    batches = {owner(xid): ballots for xid, ballots in counted.items() if owner(xid)}
    found: dict[int, list[tuple] | None] = {}
    for xmin, user in receipts.items():
        if user in traced:
            found[user] = [_key(traced[user])]
        elif user in batches:
            found[user] = batches[user]
        else:
            later = [b for batch, ballots in counted.items() if batch > xmin for b in ballots]
            found[user] = later or None
    return found


def rank_guess(meeting) -> dict[int, tuple]:
    """A second attack: match voters in the order they voted to ballots in the order on disk."""
    voters = sorted(xmins("meetings_ballotreceipt", "user_id").items(), key=lambda kv: kv[1])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT dots FROM meetings_ballot WHERE meeting_id = %s ORDER BY ctid", [meeting.pk]
        )
        ballots = [_key(json.loads(d) if isinstance(d, str) else d) for (d,) in cursor.fetchall()]
    return {user: ballot for (user, _x), ballot in zip(voters, ballots, strict=False)}


def assert_no_ballot_tied_to_fewer_than(found, voters: int) -> None:
    smallest = min(voters, K)
    for user, candidates in found.items():
        assert candidates is None or len(candidates) >= smallest, (user, candidates)


@pytest.mark.parametrize("count", [12, 3])
def test_no_ballot_can_be_tied_to_fewer_than_five_voters_during_or_after_the_vote(
    pageinspect, forum, convenor, count
):
    meeting, themes = open_vote(forum, convenor)
    voters = [MembershipFactory(forum=forum).user for _ in range(count)]
    ballots = ballots_for(count, themes)
    vote_over_http(forum, meeting, voters[: count // 2], ballots[: count // 2])
    assert all(c is None for c in link_ballots(meeting).values())  # mid-vote: all sealed
    vote_over_http(forum, meeting, voters[count // 2 :], ballots[count // 2 :])
    assert all(c is None for c in link_ballots(meeting).values())

    advance_to(meeting, convenor, Phase.DECIDE)

    found = link_ballots(meeting)
    assert set(found) == {v.pk for v in voters}
    assert_no_ballot_tied_to_fewer_than(found, count)
    for candidates in found.values():
        assert len(candidates) == count  # counted all together: tied only to everyone
    guessed = rank_guess(meeting)
    truth = {v.pk: _key(b) for v, b in zip(voters, ballots, strict=True)}
    right = sum(guessed[user] == truth[user] for user in guessed)
    assert count < 5 or right <= count // 2, f"the order on disk gave away {right} ballots"
    # And the results still reconcile exactly.
    assert Ballot.objects.filter(meeting=meeting).count() == count
    totals = dict(ThemeTally.objects.filter(meeting=meeting).values_list("theme_id", "dots"))
    for theme in themes:
        assert totals[theme.pk] == sum(b.get(theme.pk, 0) for b in ballots)


def cast_the_old_way(*, meeting, voter, allocations) -> None:
    """The design this replaced: receipt and running totals in one transaction."""
    with transaction.atomic():
        BallotReceipt.objects.create(meeting=meeting, user=voter)
        for theme_id, dots in sorted(allocations.items()):
            ThemeTally.objects.filter(meeting=meeting, theme_id=theme_id).update(
                dots=F("dots") + dots
            )


def test_the_attack_rebuilds_every_ballot_of_the_old_design(
    pageinspect, forum, convenor, monkeypatch
):
    monkeypatch.setattr(services, "ballot_cast", cast_the_old_way)
    meeting, themes = open_vote(forum, convenor)
    voters = [MembershipFactory(forum=forum).user for _ in range(12)]
    ballots = ballots_for(12, themes)
    vote_over_http(forum, meeting, voters, ballots)

    found = link_ballots(meeting)

    assert found == {v.pk: [_key(b)] for v, b in zip(voters, ballots, strict=True)}


def test_the_attack_reads_ballots_that_are_not_really_sealed(
    pageinspect, forum, convenor, monkeypatch
):
    monkeypatch.setattr(sealed_box, "seal", lambda data, context: data)
    meeting, themes = open_vote(forum, convenor)
    voters = [MembershipFactory(forum=forum).user for _ in range(6)]
    ballots = ballots_for(6, themes)
    vote_over_http(forum, meeting, voters, ballots)

    found = link_ballots(meeting)

    assert found == {v.pk: [_key(b)] for v, b in zip(voters, ballots, strict=True)}


def test_the_order_on_disk_gives_ballots_away_when_they_are_not_shuffled(
    pageinspect, forum, convenor, monkeypatch
):
    monkeypatch.setattr(random.SystemRandom, "shuffle", lambda self, items: None)
    meeting, themes = open_vote(forum, convenor)
    voters = [MembershipFactory(forum=forum).user for _ in range(12)]
    ballots = ballots_for(12, themes)
    vote_over_http(forum, meeting, voters, ballots)
    advance_to(meeting, convenor, Phase.DECIDE)

    guessed = rank_guess(meeting)

    assert guessed == {v.pk: _key(b) for v, b in zip(voters, ballots, strict=True)}


def test_a_changed_vote_cannot_be_tied_to_fewer_than_five_voters(pageinspect, forum, convenor):
    meeting, themes = open_vote(forum, convenor)
    voters = [MembershipFactory(forum=forum).user for _ in range(8)]
    first, final = ballots_for(8, themes), ballots_for(8, themes)[::-1]
    codes = vote_over_http(forum, meeting, voters, first)
    changers = voters[:3]
    for voter in changers:
        change_over_http(forum, meeting, voter, codes[voter.pk], final[voters.index(voter)])
    assert all(c is None for c in link_ballots(meeting).values())  # mid-vote: all sealed

    advance_to(meeting, convenor, Phase.DECIDE)

    found = link_ballots(meeting)
    assert_no_ballot_tied_to_fewer_than(found, len(voters))
    for voter in changers:
        assert len(found[voter.pk]) == len(voters)
    counted = [b for i, b in enumerate(first) if voters[i] not in changers]
    counted += [final[voters.index(v)] for v in changers]
    assert Ballot.objects.filter(meeting=meeting).count() == len(voters)
    totals = dict(ThemeTally.objects.filter(meeting=meeting).values_list("theme_id", "dots"))
    for theme in themes:
        assert totals[theme.pk] == sum(b.get(theme.pk, 0) for b in counted)


def change_the_naive_way(*, meeting, voter, code, allocations) -> None:
    """A weaker design: a change marks the voter's receipt and adjusts running totals at once."""
    with transaction.atomic():
        receipt = BallotReceipt.objects.get(meeting=meeting, user=voter)
        receipt.save()
        for theme_id, dots in sorted(allocations.items()):
            ThemeTally.objects.filter(meeting=meeting, theme_id=theme_id).update(
                dots=F("dots") + dots
            )


def test_the_attack_ties_a_changed_vote_written_next_to_its_voter(
    pageinspect, forum, convenor, monkeypatch
):
    monkeypatch.setattr(services, "ballot_change", change_the_naive_way)
    meeting, themes = open_vote(forum, convenor)
    voters = [MembershipFactory(forum=forum).user for _ in range(6)]
    first, final = ballots_for(6, themes), ballots_for(6, themes)[::-1]
    codes = vote_over_http(forum, meeting, voters, first)
    changer = voters[2]
    change_over_http(forum, meeting, changer, codes[changer.pk], final[2])

    found = link_ballots(meeting)

    assert found[changer.pk] == [_key(final[2])]
