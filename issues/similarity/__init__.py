"""Similar issues, suggested themes and named new groups: the engine, free of Django.

``engine`` holds the one engine (TF-IDF sharpened by the forum's themes), ``vectors`` how
texts become vectors, ``grouping`` and ``naming`` new groups and their names, ``report``
the figures of ``manage.py similarity_report``. The web app reaches it through
``issues.similar``, which keeps one fitted engine per forum fresh.
"""

from issues.similarity.documents import NEW_GROUP_PREFIX, Doc, Key, Match, Suggestion, issue_text
from issues.similarity.engine import TfidfEngine, suggest_groups_for

__all__ = [
    "NEW_GROUP_PREFIX",
    "Doc",
    "Key",
    "Match",
    "Suggestion",
    "TfidfEngine",
    "issue_text",
    "suggest_groups_for",
]
