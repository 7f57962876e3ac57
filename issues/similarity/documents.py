"""What the similarity engine reads and answers: documents, matches and suggestions."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Key = str | int

NEW_GROUP_PREFIX = "new-"


@dataclass(frozen=True)
class Doc:
    """One issue as the engine sees it.

    ``label`` is the theme the issue has already been grouped into, or None when it has
    not been grouped. ``category`` is the poster's own choice: a weak hint, often wrong.
    """

    key: Key
    text: str
    category: str = ""
    label: str | None = None


@dataclass(frozen=True)
class Match:
    """A fitted document similar to a query, with the words they share."""

    key: Key
    score: float
    shared_terms: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """The group suggested for one document.

    ``label`` is an existing theme label, or a new group id such as ``new-1`` when
    ``is_new`` is true. ``reason`` lists the words that made the document fit the group.
    ``name`` is a readable name for a new group ("Pool cars and late visits"), the same for
    every member; empty for an existing theme.
    """

    key: Key
    label: str
    score: float
    is_new: bool
    reason: tuple[str, ...]
    name: str = ""


def key_order(key: Key) -> tuple[bool, Key]:
    """Sort key that orders ints before strings and never compares the two."""
    return (isinstance(key, str), key)


def issue_text(issue: Mapping[str, Any]) -> str:
    """Join an issue's title, body and proposed solution into one text."""
    parts = (issue.get("title"), issue.get("body"), issue.get("proposed_solution"))
    return "\n".join(str(part) for part in parts if part)
