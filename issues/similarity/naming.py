"""Readable names for new groups, taken from the phrases their issues share.

A convenor names a theme after what its issues are about, in a few words ("Pool cars and
late visits"), not after a list of keywords. The name here is the most characteristic
phrase of the group: one that several of its issues use (titles count for more) and that
is rare in the rest of the forum. Two such phrases about different things are joined with
"and". A name is never a single word; when no phrase is shared, and for a group of one
issue, the title of the issue most like the others stands in, shortened.
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from issues.similarity.vectors import STOP_WORDS

MAX_NAME_CHARS = 60
MAX_TITLE_WORDS = 8
# Small words a phrase may hold in its middle: "cost of travel", "cover for sickness".
_JOINERS = frozenset({"of", "for", "to", "and", "on", "in", "at", "with"})
_TOKEN = re.compile(r"[^\W\d_](?:[\w’'-]*\w)?|\d+", re.UNICODE)
_TITLE_WEIGHT = 2.0


@dataclass(frozen=True)
class _Phrase:
    key: tuple[str, ...]
    words: frozenset[str]


def _norm(word: str) -> str:
    """A word folded for counting: lower case, apostrophes gone, a plural "s" dropped."""
    word = word.lower().replace("’", "").replace("'", "")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def _is_content(word: str) -> bool:
    lowered = word.lower().replace("’", "'")
    return (
        len(lowered) > 2
        and not lowered.isdigit()
        and lowered not in STOP_WORDS
        and lowered.split("'")[0] not in STOP_WORDS
        and not lowered.endswith("n't")
    )


def _phrases(text: str) -> dict[tuple[str, ...], tuple[str, str]]:
    """Each candidate phrase of ``text`` (2 or 3 words), keyed by its folded words.

    A phrase starts and ends with a content word; only a joiner may stand between two.
    The value is the phrase as written, for display, and the folded content word that
    follows it ("" when none does), to spot a phrase cut short ("children with complex").
    """
    tokens = _TOKEN.findall(text)
    found: dict[tuple[str, ...], tuple[str, str]] = {}
    for i, first in enumerate(tokens):
        if not _is_content(first):
            continue
        for length in (2, 3):
            span = tokens[i : i + length]
            if len(span) < length or not _is_content(span[-1]):
                continue
            if length == 3 and not (_is_content(span[1]) or span[1].lower() in _JOINERS):
                continue
            key = tuple(_norm(word) for word in span)
            after = tokens[i + length] if i + length < len(tokens) else ""
            found.setdefault(key, (" ".join(span), _norm(after) if _is_content(after) else ""))
    return found


def _display(surface: str) -> str:
    """Lower-case a phrase for a name, keeping acronyms such as BSL or EDT as written."""
    return " ".join(
        word if sum(ch.isupper() for ch in word) > 1 else word.lower() for word in surface.split()
    )


def _sentence_case(name: str) -> str:
    return name[:1].upper() + name[1:]


def _shorten(title: str) -> str:
    words = title.split()
    short = " ".join(words[:MAX_TITLE_WORDS])
    return short.rstrip(" ,.;:-") + ("…" if len(words) > MAX_TITLE_WORDS else "")


def group_name(
    texts: Sequence[str],
    central: int = 0,
    rarity: Callable[[str], float | None] | None = None,
    used_by: Callable[[str], int | None] | None = None,
) -> str:
    """A short readable name for the group of issues whose texts are ``texts``.

    Each text starts with its title line. ``central`` is the position of the issue most
    like the others (its title is the fallback). ``rarity`` gives a word's inverse document
    frequency in the forum, so phrases every issue uses ("social worker") weigh less; None
    for unknown words. ``used_by`` gives how many of the forum's issues use a two-word
    phrase (None when unknown): a phrase most of whose users are outside the group does not
    describe it. Returns "" when the texts hold nothing to name them by.
    """
    if not texts:
        return ""
    rarity = rarity or (lambda word: None)
    used_by = used_by or (lambda phrase: None)
    weight: Counter[tuple[str, ...]] = Counter()
    members: defaultdict[tuple[str, ...], set[int]] = defaultdict(set)
    surfaces: defaultdict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    followers: defaultdict[tuple[str, ...], set[str]] = defaultdict(set)
    for position, text in enumerate(texts):
        title, _, rest = text.partition("\n")
        seen: dict[tuple[str, ...], float] = {}
        for part, part_weight in ((title, _TITLE_WEIGHT), (rest, 1.0)):
            for key, (surface, after) in _phrases(part).items():
                seen[key] = max(seen.get(key, 0.0), part_weight)
                surfaces[key][_display(surface)] += 1
                followers[key].add(after)
        for key, part_weight in seen.items():
            weight[key] += part_weight
            members[key].add(position)

    needed = 2 if len(texts) > 1 else 1

    def score(key: tuple[str, ...]) -> float:
        content = [word for word in key if word not in _JOINERS]
        rare = [rarity(word) for word in content]
        known = [value for value in rare if value is not None]
        idf = sum(known) / len(known) if known else 1.0
        # Squared, so that a phrase the whole forum uses ("social worker") loses to one
        # only this group uses, even when more of the group says it.
        return weight[key] * idf * idf * (1.0 + 0.1 * (len(content) - 2))

    title = texts[central].partition("\n")[0].strip()
    fallback = _sentence_case(_shorten(title)) if any(_is_content(w) for w in title.split()) else ""
    if len(texts) == 1 and fallback:
        return fallback  # one issue: its own title says best what it is about

    def surface(key: tuple[str, ...]) -> str:
        return min(surfaces[key].items(), key=lambda item: (-item[1], item[0]))[0]

    def characteristic(key: tuple[str, ...]) -> bool:
        """Used mostly in this group, and not always cut short before the same word."""
        users = used_by(surface(key).lower())
        cut_short = len(followers[key]) == 1 and "" not in followers[key]
        return not cut_short and (users is None or 2 * len(members[key]) >= users)

    ranked = sorted(
        (key for key in weight if len(members[key]) >= needed and characteristic(key)),
        key=lambda key: (-score(key), key),
    )
    if not ranked:
        return fallback

    first = ranked[0]
    name = surface(first)
    covered = members[first]
    first_words = set(first) - _JOINERS
    for key in ranked[1:]:
        if set(key) & first_words or members[key] <= covered:
            continue
        joined = f"{name} and {surface(key)}"
        if len(joined) <= MAX_NAME_CHARS:
            name = joined
        break
    return _sentence_case(name[:MAX_NAME_CHARS].rstrip())


def rarity_from(idf: Callable[[str], float | None]) -> Callable[[str], float | None]:
    """Look words up by their folded form or as written (the vocabulary keeps plurals)."""

    def rarity(word: str) -> float | None:
        value = idf(word)
        if value is None and not word.endswith("s"):
            value = idf(word + "s")
        return value if value is None else max(value, math.ulp(1.0))

    return rarity
