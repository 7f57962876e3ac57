"""Sections that later stages of the cycle add to a meeting's minutes.

Briefs come after meetings in the cycle, so meetings never import them: escalations
registers a section here (the briefs sent since the last meeting, with their fingerprints),
and the minutes ask every registered source when they are drafted.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from forum_app.models import Forum


@dataclass(frozen=True)
class MinutesSection:
    title: str
    intro: str = ""
    items: list[str] = field(default_factory=list)


MinutesSource = Callable[
    [Forum, datetime.datetime | None, datetime.datetime], MinutesSection | None
]
_SOURCES: list[MinutesSource] = []


def register_minutes_section(source: MinutesSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def minutes_sections(
    forum: Forum, since: datetime.datetime | None, until: datetime.datetime
) -> list[MinutesSection]:
    """Every registered section with something to say for the period ``since``–``until``."""
    found = (source(forum, since, until) for source in _SOURCES)
    return [section for section in found if section is not None]
