"""What later stages of the cycle put on a meeting's agenda.

Escalations (leaders' responses, overdue briefs and commitments) come after meetings in the
cycle, so meetings never import them: a later app registers a source here instead, and the
agenda asks every source for its entries.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from forum_app.models import Forum


@dataclass(frozen=True)
class AgendaEntry:
    title: str
    detail: str
    url: str


AgendaSource = Callable[[Forum, datetime.date | None], list[AgendaEntry]]
_SOURCES: list[AgendaSource] = []


def register_source(source: AgendaSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def follow_up_entries(forum: Forum, since: datetime.date | None) -> list[AgendaEntry]:
    """Entries from every registered source; ``since`` is the last meeting's date, if any."""
    return [entry for source in _SOURCES for entry in source(forum, since)]
