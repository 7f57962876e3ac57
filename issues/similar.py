"""Open issues like a given text: "Is this already raised?" and an issue's "Similar issues".

Each web process keeps one fitted similarity engine per forum in memory. Fitting a large
forum takes seconds, so no request ever waits for one: a process with no engine for a
forum starts fitting it in a background thread and answers "not ready yet" meanwhile
(the pages ask again a moment later). A version stamp in the shared cache says when the
forum's issues last changed. It moves on in one place: whenever an issue (or anything
else ``watch``ed, such as a theme) is saved or deleted, once the transaction commits. No
service needs to remember it; writes that bypass ``save`` (queryset ``update``) are
refused by a test. A process holding an engine fitted under another
stamp refits in the background too, answering from the older vectors meanwhile; a repeat
request with nothing changed reuses the vectors it has.

The engine learns from the themes convenors have grouped issues into. Themes belong to a
later stage (meetings), which registers where to read them with ``theme_labels_register``
and ``watch``es the models that hold them, so moving issues between themes refits too.
"""

import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.db import connections, models, transaction
from django.db.models.signals import post_delete, post_save

from forum_app.models import Forum
from issues.models import Issue
from issues.similarity import Doc, Key, Match, TfidfEngine, issue_text

logger = logging.getLogger(__name__)

# Fitting 10,000 issues takes several seconds and much memory; issues raised long ago that
# are still open are rarely the ones a person retypes.
FIT_LIMIT = 5_000
# Character 4-grams alone match as well as 3- to 5-grams on the sample, at under half the
# fitting time and memory (see tests/issues/test_similar_pages.py for the quality bar).
CHAR_NGRAMS = (4, 4)
MIN_WORDS = 3
MIN_SCORE = 0.12
QUERY_CHARS = 10_000
CACHED_FORUMS = 8
# Pages ask again every couple of seconds while vectors are fitted, up to this many times.
MAX_ATTEMPTS = 15
# When the shared cache cannot be read, trust a fitted engine for this long (seconds).
TRUST_WITHOUT_STAMP = 300

_WORD = re.compile(r"\b\w\w+\b")

ThemeLabels = Callable[[int], Mapping[int, str]]
_theme_labels: ThemeLabels | None = None


def theme_labels_register(source: ThemeLabels) -> None:
    """Tell similarity where to read each issue's theme: forum id -> {issue id: theme}."""
    global _theme_labels
    _theme_labels = source


@dataclass(frozen=True)
class SimilarIssue:
    """An open issue like the text asked about, with the words they share."""

    issue: Issue
    score: float
    shared_terms: tuple[str, ...]


@dataclass(frozen=True)
class _Fitted:
    stamp: int | None
    engine: TfidfEngine
    size: int
    fitted_at: float


_fitted: OrderedDict[int, _Fitted] = OrderedDict()
_fit_locks: dict[int, threading.Lock] = {}
_refits: dict[int, threading.Thread] = {}
_registry = threading.Lock()


def has_enough_words(text: str) -> bool:
    """True when ``text`` is long enough to look for similar issues (a few words)."""
    return len(_WORD.findall(text[:QUERY_CHARS])) >= MIN_WORDS


def similar_issues(
    *, forum: Forum, text: str, exclude: Key | None = None, k: int = 5, category: str = ""
) -> list[SimilarIssue] | None:
    """Up to ``k`` open, visible issues of ``forum`` most like ``text``, best first.

    ``exclude`` leaves out one issue (the one being shown); ``category`` (a category id as
    text) favours issues in that category a little. Texts of under a few words find
    nothing. The issues, with ``support_count``, are loaded in one query. None means the
    forum's vectors are still being fitted: ask again in a moment.
    """
    text = text[:QUERY_CHARS]
    if k <= 0 or not has_enough_words(text):
        return []
    engine = _engine_for(forum.pk)
    if engine is None:
        return None
    # A few spare matches stand in for any closed or hidden since the engine was fitted.
    matches = [
        match
        for match in engine.similar(text, k=k + 3, exclude=exclude, category=category)
        if match.score >= MIN_SCORE and match.shared_terms
    ]
    if not matches:
        return []
    found = (
        Issue.objects.in_forum(forum)
        .open()
        .filter(hidden=False, pk__in=[match.key for match in matches])
        .only("pk", "title", "status", "forum_id")
        .with_counts()
        .in_bulk()
    )
    return [
        SimilarIssue(issue=found[match.key], score=match.score, shared_terms=_readable(match))
        for match in matches
        if match.key in found
    ][:k]


def _readable(match: Match) -> tuple[str, ...]:
    """The shared words, without pairs like "30 assessment" that stop words were cut from."""
    return (
        tuple(
            term
            for term in match.shared_terms
            if " " not in term or not any(word.isdigit() for word in term.split())
        )
        or match.shared_terms
    )


def text_of(issue: Issue) -> str:
    """The text of ``issue`` that similarity is measured on."""
    return issue_text(
        {"title": issue.title, "body": issue.body, "proposed_solution": issue.proposed_solution}
    )


def invalidate(*, forum_id: int) -> None:
    """Mark the forum's vectors stale once the current transaction commits.

    Saving or deleting a watched model calls it (see ``watch``), so services do not.
    Bumping only after the commit means no process refits on data that is about to change
    or be rolled back.
    """
    transaction.on_commit(partial(_bump, forum_id), robust=True)


ForumOf = Callable[[models.Model], int | None]
WATCHED: dict[type[models.Model], ForumOf] = {}


def watch(model: type[models.Model], forum_of: ForumOf | None = None) -> None:
    """Mark a forum's vectors stale whenever an instance of ``model`` is saved or deleted.

    ``forum_of`` gives an instance's forum id (by default its ``forum_id``); None when it
    cannot tell, as for a row deleted along with the issue or theme that names its forum
    (whose own deletion marks the forum).
    """
    WATCHED[model] = forum_of or (lambda instance: instance.forum_id)
    uid = f"similar-watch-{model._meta.label_lower}"
    post_save.connect(_written, sender=model, dispatch_uid=f"{uid}-save")
    post_delete.connect(_written, sender=model, dispatch_uid=f"{uid}-delete")


def _written(sender: type[models.Model], instance: models.Model, **kwargs) -> None:
    if kwargs.get("raw"):  # loading fixtures: nothing is fitted from them yet
        return
    forum_id = WATCHED[sender](instance)
    if forum_id is not None:
        invalidate(forum_id=forum_id)


def forget_all() -> None:
    """Drop every fitted engine held by this process (tests start clean with it)."""
    wait_for_refits()
    with _registry:
        _fitted.clear()


def _stamp_key(forum_id: int) -> str:
    return f"similarity-version:{forum_id}"


def _new_stamp() -> int:
    # Random, not 1: after the cache loses the entry, no process may take an engine it
    # fitted earlier for a current one.
    return secrets.randbits(52)


def _bump(forum_id: int) -> None:
    key = _stamp_key(forum_id)
    try:
        cache.incr(key)
    except ValueError:  # no stamp yet: any new one differs from what processes hold
        cache.add(key, _new_stamp(), timeout=None)


def _current_stamp(forum_id: int) -> int | None:
    """The forum's stamp, starting one if there is none; None when the cache is down."""
    key = _stamp_key(forum_id)
    try:
        stamp = cache.get(key)
        if stamp is None:
            cache.add(key, _new_stamp(), timeout=None)
            stamp = cache.get(key)
    except Exception:  # any cache failure: carry on with the vectors this process has
        logger.warning("Similar issues: the cache cannot be read", exc_info=True)
        return None
    return stamp


def _is_current(fitted: _Fitted, stamp: int | None) -> bool:
    if stamp is None:
        return time.monotonic() - fitted.fitted_at < TRUST_WITHOUT_STAMP
    return fitted.stamp == stamp


def _engine_for(forum_id: int) -> TfidfEngine | None:
    """The forum's fitted engine, or None while this process fits its first one.

    When the forum's issues have changed since the engine was fitted, a refit starts in the
    background and this answer comes from the older vectors. Only one fit per forum runs
    at a time.
    """
    stamp = _current_stamp(forum_id)
    with _registry:
        fitted = _fitted.get(forum_id)
        lock = _fit_locks.setdefault(forum_id, threading.Lock())
    if fitted is not None and _is_current(fitted, stamp):
        return fitted.engine
    if lock.acquire(blocking=False):
        _fit_in_background(forum_id, stamp, lock)
    with _registry:  # the fit may already be done (it runs inline in some tests)
        fitted = _fitted.get(forum_id)
    return fitted.engine if fitted is not None else None


def _fit_in_background(forum_id: int, stamp: int | None, lock: threading.Lock) -> None:
    """Fit the forum's engine in a new thread, which releases ``lock`` when it is done."""
    thread = threading.Thread(target=_refit_then_release, args=(forum_id, stamp, lock), daemon=True)
    with _registry:
        _refits[forum_id] = thread
    thread.start()


def _refit(forum_id: int, stamp: int | None) -> _Fitted:
    """Fit the forum's engine unless a current one appeared meanwhile; keep and return it."""
    with _registry:
        fitted = _fitted.get(forum_id)
    if fitted is None or not _is_current(fitted, stamp):
        engine, size = _fit(forum_id)
        fitted = _Fitted(stamp=stamp, engine=engine, size=size, fitted_at=time.monotonic())
    with _registry:
        _fitted[forum_id] = fitted
        _fitted.move_to_end(forum_id)
        while len(_fitted) > CACHED_FORUMS:
            _fitted.popitem(last=False)
    return fitted


def _refit_then_release(forum_id: int, stamp: int | None, lock: threading.Lock) -> None:
    try:
        _refit(forum_id, stamp)
    except Exception:
        logger.exception("Similar issues: refitting forum %d failed", forum_id)
    finally:
        connections.close_all()  # this thread's own database connections
        lock.release()


def wait_for_refits(timeout: float = 30) -> None:
    """Wait until background refits started by this process have finished."""
    with _registry:
        threads = list(_refits.values())
        _refits.clear()
    for thread in threads:
        thread.join(timeout)


def _fit(forum_id: int) -> tuple[TfidfEngine, int]:
    """A new engine fitted on the forum's most recent open, visible issues, and their number."""
    rows = (
        Issue.objects.filter(forum_id=forum_id, hidden=False)
        .open()
        .order_by("-raised_on", "-pk")
        .values_list("pk", "title", "body", "proposed_solution", "category_id")[:FIT_LIMIT]
    )
    labels = _theme_labels(forum_id) if _theme_labels is not None else {}
    docs = [
        Doc(
            key=pk,
            text=issue_text({"title": title, "body": body, "proposed_solution": solution}),
            category=str(category_id),
            label=labels.get(pk),
        )
        for pk, title, body, solution, category_id in rows
    ]
    engine = TfidfEngine(char_ngrams=CHAR_NGRAMS)
    started = time.perf_counter()
    engine.fit(docs)
    # Debug only: the moment of a refit hints at when an anonymous issue was raised.
    logger.debug(
        "Similar issues: fitted %d issues of forum %d in %.2f s",
        len(docs),
        forum_id,
        time.perf_counter() - started,
    )
    return engine, len(docs)
