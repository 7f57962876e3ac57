"""Anonymous issues and raiser updates: nothing is written when they are sent.

An anonymous issue or update waits outside the database (``issues.waiting_room``) and
appears at a random moment within the forum's window, with no person and no time of day;
nobody is emailed about it but the convenors (without the author's details). The raiser
follows it with a receipt code, of which only a hash is stored.
"""

import logging
import random
import time
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forum_app.models import Forum
from issues import receipts, waiting_room
from issues.models import (
    Category,
    Comment,
    Issue,
    IssueEvent,
    ServiceArea,
)
from issues.services.common import (
    Figure,
    IssueData,
    after_raise,
    apply_data,
    check_choices,
    today_in,
)

logger = logging.getLogger(__name__)


def _due(forum: Forum) -> float:
    """A random moment within the forum's window from now, as a Unix time."""
    spread = forum.anonymity_window_minutes * 60
    return time.time() + random.SystemRandom().uniform(0, spread)


def issue_raise_anonymous(*, forum: Forum, data: IssueData, submission: str) -> str:
    """Raise an issue anonymously; returns the raiser's receipt code.

    Nothing is written to the database now and nothing names the person: the issue waits
    in the waiting room (``issues.waiting_room``) and appears at a random moment within the
    forum's window, so the time it appears says nothing about who raised it. The same form
    sent twice (``submission`` is its one-time token) waits once and gets the same code.
    Raises ``WaitingRoomUnavailable`` when the issue could not be put to wait.
    """
    check_choices(forum, data)
    probe = Issue(forum=forum, raised_on=today_in(forum), is_anonymous=True)
    apply_data(probe, data)
    probe.full_clean(exclude=["receipt_hash", "feed_hash", "submission"])
    receipt = receipts.receipt_for_submission(submission)
    key = receipts.submission_hash(submission)
    item = {
        "kind": "issue",
        "forum": forum.pk,
        "due": _due(forum),
        "receipt_hash": receipts.receipt_hash(receipt),
        "feed_hash": receipts.feed_lookup(receipts.feed_token(receipt)),
        "data": {
            "title": data.title,
            "body": data.body,
            "impact": data.impact,
            "proposed_solution": data.proposed_solution,
            "category": data.category.pk,
            "service_area": data.service_area.pk,
            "team": data.team,
            "evidence": data.evidence,
            "figures": [{"label": f.label, "value": f.value} for f in data.figures],
            "safety_risk": data.safety_risk,
        },
    }
    room = waiting_room.room()
    waiting = room.items()
    if key in waiting or Issue.objects.filter(submission=key).exists():
        return receipt  # this very form, sent again: the same code
    if _same_words_sent(forum, data, waiting.values()):
        raise AlreadySent
    room.add(key, item)
    return receipt


class AlreadySent(Exception):
    """The same anonymous issue was sent a moment ago from a fresh copy of the form."""


def _same_words_sent(forum: Forum, data: IssueData, waiting: Iterable[dict]) -> bool:
    """Whether these words already wait to appear, or appeared anonymously since yesterday.

    Back then Raise, or a phone restoring its tab, can load the raise page again with a new
    one-time token and the browser's copy of what was typed, so the token alone cannot tell
    a second send. Only the words are compared: nothing about who sent them is needed or kept.
    """
    for item in waiting:
        words = item.get("data", {})
        if (
            item.get("kind") == "issue"
            and item.get("forum") == forum.pk
            and (words.get("title"), words.get("body")) == (data.title, data.body)
        ):
            return True
    since = today_in(forum) - timedelta(days=1)
    return Issue.objects.filter(
        forum=forum, is_anonymous=True, title=data.title, body=data.body, raised_on__gte=since
    ).exists()


def issue_for_receipt(*, forum: Forum, receipt: str) -> Issue | None:
    """The anonymous issue in ``forum`` that this receipt code belongs to, if any."""
    if not receipts.normalise(receipt):
        return None
    return (
        Issue.objects.in_forum(forum)
        .for_display()
        .filter(is_anonymous=True, receipt_hash=receipts.receipt_hash(receipt))
        .first()
    )


def issue_raiser_update(*, forum: Forum, receipt: str, body: str, submission: str) -> Issue:
    """Send an update as "the person who raised this", proven only by the receipt code.

    Like an anonymous issue, the update waits outside the database and appears at a random
    moment within the forum's window; returns the issue it is for. The same form sent twice
    posts once. Raises ``ValidationError`` for a wrong code or an issue that was merged, and
    ``WaitingRoomUnavailable`` when the update could not be put to wait.
    """
    issue = issue_for_receipt(forum=forum, receipt=receipt)
    if issue is None:
        raise ValidationError(_("That receipt code does not match an issue in this forum."))
    if issue.merged_into_id is not None:
        raise ValidationError(_("This issue was merged into another. Add your update there."))
    Comment(issue=issue, from_raiser=True, body=body, posted_on=today_in(forum)).full_clean(
        exclude=["submission"]
    )
    key = receipts.submission_hash(submission)
    item = {
        "kind": "update",
        "forum": forum.pk,
        "due": _due(forum),
        "receipt_hash": receipts.receipt_hash(receipt),
        "data": {"body": body},
    }
    if not Comment.objects.filter(submission=key).exists():
        waiting_room.room().add(key, item)
    return issue


def anonymous_publish_due(*, everything: bool = False) -> int:
    """Publish the anonymous issues and updates whose moment has come; returns how many.

    Each is written in its own transaction. One that was published already (a second
    sweeper, or a crash before it left the waiting room) is not written again. ``everything``
    publishes all that wait, due or not (before a planned restart of Redis).
    """
    room = waiting_room.room()
    now = time.time()
    published = 0
    for key, item in sorted(room.items().items(), key=lambda pair: pair[1]["due"]):
        if item["due"] > now and not everything:
            continue
        try:
            with transaction.atomic():
                published += _publish(key, item)
        except (ValidationError, ObjectDoesNotExist, KeyError, TypeError):
            # The forum, category or issue it was for has gone, or the item is damaged.
            logger.warning("An anonymous post could not be published and was dropped.")
        room.remove(key)
    return published


def _publish(key: str, item: dict) -> int:
    forum = Forum.objects.get(pk=item["forum"])
    data = item["data"]
    if item["kind"] == "update":
        if Comment.objects.filter(submission=key).exists():
            return 0
        issue = Issue.objects.get(forum=forum, is_anonymous=True, receipt_hash=item["receipt_hash"])
        if issue.merged_into_id is not None:
            raise ValidationError("merged")
        comment = Comment(
            issue=issue,
            from_raiser=True,
            body=data["body"],
            posted_on=today_in(forum),
            submission=key,
        )
        comment.full_clean()
        comment.save()
        IssueEvent.objects.create(
            issue=issue, happened_on=comment.posted_on, kind=IssueEvent.Kind.UPDATE, text=""
        )
        return 1
    if Issue.objects.filter(submission=key).exists():
        return 0
    issue_data = IssueData(
        **(
            data
            | {
                "category": Category.objects.get(forum=forum, pk=data["category"]),
                "service_area": ServiceArea.objects.get(forum=forum, pk=data["service_area"]),
                "figures": tuple(Figure(**f) for f in data["figures"]),
            }
        )
    )
    issue = Issue(
        forum=forum,
        raised_on=today_in(forum),
        is_anonymous=True,
        receipt_hash=item["receipt_hash"],
        feed_hash=item.get("feed_hash"),
        submission=key,
    )
    apply_data(issue, issue_data)
    issue.full_clean()
    issue.save()
    after_raise(issue)
    return 1
