"""Similar issues, suggested themes and named new groups (see ``engine``)."""

from issues.similarity.engine import (
    ENGINES,
    NEW_GROUP_PREFIX,
    Doc,
    Engine,
    Key,
    Match,
    Suggestion,
    TfidfEngine,
    get_engine,
    issue_text,
    suggest_groups_for,
)

__all__ = [
    "ENGINES",
    "NEW_GROUP_PREFIX",
    "Doc",
    "Engine",
    "Key",
    "Match",
    "Suggestion",
    "TfidfEngine",
    "get_engine",
    "issue_text",
    "suggest_groups_for",
]
