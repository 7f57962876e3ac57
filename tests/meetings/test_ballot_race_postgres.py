"""One ballot per person under concurrency, and no lost dots under a burst (PostgreSQL)."""

import queue
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from meetings import services
from meetings.models import Ballot, BallotReceipt, Phase, ThemeTally
from tests.factories import MembershipFactory
from tests.meetings.conftest import advance_to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


# Like a web server's bounded pool: the database allows only so many connections.
MAX_CONNECTIONS = 30


def run_together(jobs) -> tuple[list, list[BaseException], float]:
    """Run the jobs at once: up to MAX_CONNECTIONS threads, each with its own connection,
    released together and pulling jobs until none are left."""
    pending = queue.SimpleQueue()
    for job in jobs:
        pending.put(job)
    workers = min(len(jobs), MAX_CONNECTIONS)
    start = threading.Barrier(workers)
    results, errors = [], []
    lock = threading.Lock()

    def run() -> None:
        try:
            start.wait(timeout=60)
            while True:
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = job()
                    with lock:
                        results.append(outcome)
                except BaseException as error:  # noqa: BLE001 — reported by the main thread
                    with lock:
                        errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors, time.perf_counter() - began


def close_voting(voting, convenor):
    return advance_to(voting.meeting, convenor, Phase.DECIDE)


def test_twenty_simultaneous_ballots_from_one_member_count_once(postgres, voting, member, convenor):
    a, b, _c = voting.themes
    jobs = [
        lambda: services.ballot_cast(
            meeting=voting.meeting, voter=member, allocations={a.pk: 2, b.pk: 1}
        )
    ] * 20
    results, errors, _seconds = run_together(jobs)
    assert len(results) == 1
    assert len(errors) == 19
    assert all(isinstance(error, ValidationError) for error in errors), errors
    assert all("already voted" in " ".join(error.messages) for error in errors)
    assert BallotReceipt.objects.filter(meeting=voting.meeting).count() == 1
    close_voting(voting, convenor)
    assert Ballot.objects.count() == 1
    tallies = dict(ThemeTally.objects.values_list("theme_id", "dots"))
    assert (tallies[a.pk], tallies[b.pk]) == (2, 1)


def test_a_burst_of_150_voters_loses_no_dots(postgres, voting, forum, convenor, capsys):
    themes = voting.themes
    voters = [MembershipFactory(forum=forum).user for _ in range(150)]
    ballots = [
        {themes[i % 3].pk: 1 + i % 3, themes[(i + 1) % 3].pk: 2 if i % 2 else 0}
        for i in range(len(voters))
    ]
    jobs = [
        (
            lambda voter=voter, ballot=ballot: services.ballot_cast(
                meeting=voting.meeting, voter=voter, allocations=ballot
            )
        )
        for voter, ballot in zip(voters, ballots, strict=True)
    ]
    results, errors, seconds = run_together(jobs)
    assert errors == []
    assert len(results) == 150
    assert BallotReceipt.objects.filter(meeting=voting.meeting).count() == 150
    close_voting(voting, convenor)
    assert Ballot.objects.filter(meeting=voting.meeting).count() == 150
    expected = sum(sum(ballot.values()) for ballot in ballots)
    assert sum(ThemeTally.objects.values_list("dots", flat=True)) == expected
    for theme in themes:
        want = sum(ballot.get(theme.pk, 0) for ballot in ballots)
        assert ThemeTally.objects.get(meeting=voting.meeting, theme=theme).dots == want
    with capsys.disabled():
        print(f"\n150 simultaneous ballots took {seconds:.2f} s")
