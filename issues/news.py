"""Telling followers what became of an issue, in their digest.

Services record outcomes as ``IssueEvent`` rows marked ``to_tell`` in the transaction that
makes the change. Before each digest run the events waiting to be told are claimed (locked,
or skipped if another run holds them) and queued for every follower as ``issue_news``
items, one per event per follower by its dedupe key; the events are then marked told in
the same transaction. Running it twice tells nobody twice.
"""

from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction

from forum_app.models import User
from forum_app.notifications import notify_each
from issues.models import Follow, IssueEvent

BATCH = 1000


def issue_news_tell() -> int:
    """Queue each untold outcome for each of its issue's followers; returns how many events.

    Followers are people whose membership of the issue's forum is active and whose account
    is on. Hidden issues are told to nobody (their events are marked told all the same).
    """
    told = 0
    while True:
        with transaction.atomic():
            waiting = IssueEvent.objects.filter(to_tell=True).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                waiting = waiting.select_for_update(skip_locked=True, of=("self",))
            events = list(waiting.select_related("issue__forum")[:BATCH])
            if not events:
                return told
            _queue(events)
            IssueEvent.objects.filter(pk__in=[e.pk for e in events], to_tell=True).update(
                to_tell=False
            )
            told += len(events)


def _queue(events: list[IssueEvent]) -> None:
    followers = defaultdict(list)
    by_forum = defaultdict(set)
    for event in events:
        by_forum[event.issue.forum].add(event.issue_id)
    for forum, issue_ids in by_forum.items():
        follows = (
            Follow.objects.filter(issue_id__in=issue_ids, user__in=User.objects.members_of(forum))
            .select_related("user")
            .order_by("pk")
        )
        for follow in follows:
            followers[follow.issue_id].append(follow.user)
    for event in events:
        issue = event.issue
        if issue.hidden:
            continue
        notify_each(
            "issue_news",
            followers[issue.pk],
            forum=issue.forum,
            key={"event": event.pk},
            about=event,
            context={
                "forum": issue.forum.name,
                "title": issue.title,
                "text": event.text,
                "link": settings.SITE_URL + issue.get_absolute_url(),
            },
        )
