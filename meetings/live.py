"""The live part of a meeting page, as every member's browser polls it every 3 s.

A change to the meeting (a phase, a join, a ballot) gives the live part a new ETag, and then
every poller asks for the new version within 3 s. The members' version is rendered once per
meeting version and kept in the cache (shared by every web process), so a change costs one
render however many people follow the meeting; each poll then costs the ETag's one query,
at most one small query for what differs by person (whether they have voted) and a cache
read. The cached HTML holds nothing personal: no names, no CSRF token (the members' version
has no form), only what every member sees, in one of two variants (voted or not).
The convenor's version carries their controls and is rendered afresh for them.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import get_language

from forum_app.http import ForumRequest
from forum_app.permissions import can
from meetings.models import BallotReceipt, Meeting, Phase

# Long enough to serve a meeting's quiet stretches; each version has its own key, so an old
# one is never served for a new state.
CACHED_FOR = 5 * 60


@dataclass(frozen=True)
class LiveState:
    meeting_id: int
    version: int
    phase: str
    ballots: int
    etag: str
    # The row's creation time: a restored or recreated database that reuses the meeting's id
    # and version never finds another meeting's HTML.
    created: float


def live_state(request: ForumRequest, pk: int) -> LiveState | None:
    """The meeting's state as the live part shows it, in one query; kept on the request, so
    the ETag check and the view share it. None when the meeting is not in this forum."""
    cached = getattr(request, "_live_state", {})
    if pk in cached:
        return cached[pk]
    ballots = BallotReceipt.objects.filter(meeting=OuterRef("pk")).values("meeting")
    row = (
        Meeting.objects.filter(pk=pk, forum=request.forum)
        .annotate(ballot_count=Subquery(ballots.annotate(n=Count("pk")).values("n")))
        .values_list("state_version", "phase", "ballot_count", "created_at")
        .first()
    )
    state = None
    if row is not None:
        version, phase, ballots = row[0], row[1], row[2] or 0
        # Those who run the meeting see its controls, so their live part differs.
        view = "runner" if can(request.membership, "run_meetings") else "member"
        etag = f"m{pk}-v{version}-{phase}-b{ballots}-{view}"
        state = LiveState(pk, version, phase, ballots, etag, row[3].timestamp())
    request._live_state = {**cached, pk: state}
    return state


def has_voted(state: LiveState, request: ForumRequest) -> bool:
    """Whether this person has voted; asked only while voting is open."""
    if state.phase != Phase.VOTE:
        return False
    return BallotReceipt.objects.filter(meeting_id=state.meeting_id, user=request.user).exists()


def cache_key(state: LiveState, voted: bool) -> str:
    kind = "voted" if voted else "member"
    return f"meetings:live:{state.meeting_id}:{state.created}:{state.etag}:{kind}:{get_language()}"


def cached_html(state: LiveState, voted: bool) -> str | None:
    return cache.get(cache_key(state, voted))


def keep_html(state: LiveState, voted: bool, html: str) -> None:
    cache.set(cache_key(state, voted), html, CACHED_FOR)
