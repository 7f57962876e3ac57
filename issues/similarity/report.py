"""How well the engine does on a labelled file of issues, as a forum would use it.

Each issue in turn is the new one: the engine is fitted with every other issue carrying
its theme and this one ungrouped, then asked for its theme and its most similar issues
(leave-one-out). The same is measured with no themes known at all, as in a new forum.
For files of more than ``LEAVE_ONE_OUT_LIMIT`` issues, ten folds stand in for single
issues: each tenth in turn is ungrouped.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from issues.similarity.documents import Doc, issue_text
from issues.similarity.engine import TfidfEngine

LEAVE_ONE_OUT_LIMIT = 300
FOLDS = 10


@dataclass
class ThemeFigures:
    """Counts for the issues of one theme."""

    issues: int = 0
    theme_right: int = 0
    top_same: int = 0
    top_same_new_forum: int = 0


@dataclass
class Figures:
    """What ``evaluate`` measured; rates are over ``issues``, duplicates over ``pairs``."""

    issues: int
    themes: int
    theme_right: int = 0
    top_same: int = 0
    top_same_new_forum: int = 0
    pairs: int = 0
    duplicate_first: int = 0
    duplicate_top3: int = 0
    duplicate_first_new_forum: int = 0
    duplicate_top3_new_forum: int = 0
    per_theme: dict[str, ThemeFigures] = field(default_factory=dict)
    folds: int = 0  # 0 for leave-one-out

    def rate(self, count: int) -> float:
        return count / self.issues if self.issues else 0.0


def _docs(issues: Sequence[Mapping[str, Any]], labelled: bool, held_out: set[int]) -> list[Doc]:
    return [
        Doc(
            key=i,
            text=issue_text(issue),
            category=str(issue.get("category") or ""),
            label=str(issue["theme"]) if labelled and i not in held_out else None,
        )
        for i, issue in enumerate(issues)
    ]


def _duplicate_targets(issues: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """Position of each duplicate -> position of the earlier issue it repeats."""
    position = {issue.get("id"): i for i, issue in enumerate(issues) if "id" in issue}
    return {
        i: position[issue["duplicate_of"]]
        for i, issue in enumerate(issues)
        if issue.get("duplicate_of") is not None and issue["duplicate_of"] in position
    }


def evaluate(
    issues: Sequence[Mapping[str, Any]],
    engine_factory: Callable[[], TfidfEngine] = TfidfEngine,
    progress: Callable[[int, int], None] | None = None,
) -> Figures:
    """Measure ``engine_factory``'s engines on ``issues`` (each with a ``theme``).

    Raises ValueError when an issue has no theme.
    """
    missing = [i for i, issue in enumerate(issues) if not issue.get("theme")]
    if missing:
        raise ValueError(f"Issue {missing[0] + 1} has no theme; every issue needs one.")
    themes = [str(issue["theme"]) for issue in issues]
    duplicates = _duplicate_targets(issues)
    figures = Figures(issues=len(issues), themes=len(set(themes)), pairs=len(duplicates))
    for theme in sorted(set(themes)):
        figures.per_theme[theme] = ThemeFigures()
    if len(issues) > LEAVE_ONE_OUT_LIMIT:
        figures.folds = FOLDS
        groups = [list(range(fold, len(issues), FOLDS)) for fold in range(FOLDS)]
    else:
        groups = [[i] for i in range(len(issues))]

    for done, held_out in enumerate(groups):
        docs = _docs(issues, labelled=True, held_out=set(held_out))
        engine = engine_factory()
        engine.fit(docs)
        suggestions = engine.suggest([docs[i] for i in held_out])
        for i, suggestion in zip(held_out, suggestions, strict=True):
            right = not suggestion.is_new and suggestion.label == themes[i]
            figures.theme_right += right
            figures.per_theme[themes[i]].issues += 1
            figures.per_theme[themes[i]].theme_right += right
            found = _similar(engine, docs[i])
            same = bool(found) and themes[found[0]] == themes[i]
            figures.top_same += same
            figures.per_theme[themes[i]].top_same += same
            if i in duplicates:
                figures.duplicate_first += found[:1] == [duplicates[i]]
                figures.duplicate_top3 += duplicates[i] in found[:3]
        if progress:
            progress(done + 1, len(groups))

    engine = engine_factory()
    docs = _docs(issues, labelled=False, held_out=set())
    engine.fit(docs)
    for i, doc in enumerate(docs):
        found = _similar(engine, doc)
        same = bool(found) and themes[found[0]] == themes[i]
        figures.top_same_new_forum += same
        figures.per_theme[themes[i]].top_same_new_forum += same
        if i in duplicates:
            figures.duplicate_first_new_forum += found[:1] == [duplicates[i]]
            figures.duplicate_top3_new_forum += duplicates[i] in found[:3]
    return figures


def _similar(engine: TfidfEngine, doc: Doc) -> list[int]:
    return [
        int(match.key)
        for match in engine.similar(doc.text, k=3, exclude=doc.key, category=doc.category)
    ]


def format_figures(figures: Figures, title: str = "") -> str:
    """The figures as a plain-text table."""
    how = (
        f"{figures.folds} folds (each tenth of the issues in turn is new)"
        if figures.folds
        else "leave-one-out (each issue in turn is new, the others keep their themes)"
    )
    lines = []
    if title:
        lines.append(title)
    lines += [
        f"{figures.issues} issues, {figures.themes} themes, "
        f"{figures.pairs} duplicate pairs; {how}.",
        "",
        f"{'':<38}{'themes known':>14}{'no themes':>12}",
        f"{'suggested theme right':<38}{figures.rate(figures.theme_right):>14.2f}{'-':>12}",
        f"{'top similar issue in the same theme':<38}"
        f"{figures.rate(figures.top_same):>14.2f}{figures.rate(figures.top_same_new_forum):>12.2f}",
    ]
    if figures.pairs:
        lines += [
            f"{'duplicates found first':<38}"
            f"{f'{figures.duplicate_first} of {figures.pairs}':>14}"
            f"{f'{figures.duplicate_first_new_forum} of {figures.pairs}':>12}",
            f"{'duplicates in the top 3':<38}"
            f"{f'{figures.duplicate_top3} of {figures.pairs}':>14}"
            f"{f'{figures.duplicate_top3_new_forum} of {figures.pairs}':>12}",
        ]
    lines += [
        "",
        "Per theme (themes known; the last column with no themes known):",
        f"{'theme':<24}{'issues':>8}{'theme right':>13}{'top same':>10}{'no themes':>11}",
    ]
    for theme, row in figures.per_theme.items():
        n = row.issues or 1
        lines.append(
            f"{theme[:23]:<24}{row.issues:>8}{row.theme_right / n:>13.2f}"
            f"{row.top_same / n:>10.2f}{row.top_same_new_forum / n:>11.2f}"
        )
    return "\n".join(lines)
