"""Similarity engine for forum issues.

Finds issues similar to a piece of text, suggests which existing theme an ungrouped issue
belongs to (learned from issues a convenor has already grouped), and proposes new groups
for issues that fit no theme. Pure Python, numpy and scikit-learn: no Django, so the web
app, management commands and benchmarks can all share it.
"""

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol, Self

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

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
    """

    key: Key
    label: str
    score: float
    is_new: bool
    reason: tuple[str, ...]


class Engine(Protocol):
    """What every similarity engine offers."""

    def fit(self, docs: Sequence[Doc]) -> None:
        """Learn the vocabulary and the themes from ``docs``, replacing anything learned."""

    def similar(
        self,
        text: str,
        k: int = 5,
        exclude: Key | None = None,
        *,
        category: str = "",
        among: Collection[Key] | None = None,
    ) -> list[Match]:
        """Return up to ``k`` fitted documents most similar to ``text``, best first."""

    def suggest(self, docs: Sequence[Doc]) -> list[Suggestion]:
        """Suggest a group for each of ``docs``, in the order given."""


def _key_order(key: Key) -> tuple[bool, Key]:
    """Sort key that orders ints before strings and never compares the two."""
    return (isinstance(key, str), key)


_WORD = re.compile(r"(?u)\b\w\w+\b")


def _has_content(text: str) -> bool:
    """True when ``text`` holds a word that is not an English stop word."""
    return any(word not in ENGLISH_STOP_WORDS for word in _WORD.findall(text.lower()))


def _unit_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Scale each row of ``matrix`` to unit length, leaving all-zero rows as they are."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sp.diags(inverse) @ matrix).tocsr()


@dataclass(frozen=True)
class _Row:
    """The non-zero columns and values of one row of a sparse matrix."""

    cols: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, matrix: sp.csr_matrix, i: int) -> Self:
        """Read row ``i`` of a CSR matrix without slicing it (slicing is slow)."""
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        return cls(matrix.indices[start:end], matrix.data[start:end])

    def minus(self, other: Self) -> Self:
        """Subtract ``other``; this row's columns must be sorted and include all of its."""
        values = self.values.copy()
        values[np.searchsorted(self.cols, other.cols)] -= other.values
        return type(self)(self.cols, values)


def _fit_transform(
    vectoriser: TfidfVectorizer, texts: Sequence[str]
) -> tuple[TfidfVectorizer | None, sp.csr_matrix | None]:
    """Fit ``vectoriser`` and transform ``texts``; (None, None) when there is no vocabulary."""
    try:
        return vectoriser, vectoriser.fit_transform(texts)
    except ValueError:  # "empty vocabulary": no texts, or only stop words and punctuation
        return None, None


def _content_only(texts: Sequence[str]) -> list[str]:
    """Blank out texts made only of stop words and punctuation.

    Otherwise they would still match other texts through the character n-grams of
    words such as "the" and "and".
    """
    return [text if _has_content(text) else "" for text in texts]


class _Vectoriser:
    """Turns texts and categories into unit-length sparse rows.

    A row is TF-IDF over words and word pairs (English stop words removed) joined with
    TF-IDF over character n-grams inside words, which copes with plurals, spelling
    variants and typos. A one-hot block for the poster's category is added with a small
    weight, so a shared category nudges similarity without outweighing the text.
    """

    def __init__(self, category_weight: float, char_ngrams: tuple[int, int] = (3, 5)) -> None:
        """Create an unfitted vectoriser; both arguments are explained on TfidfEngine."""
        self.category_scale = float(np.sqrt(category_weight))
        self.char_ngrams = char_ngrams
        self.words: TfidfVectorizer | None = None
        self.chars: TfidfVectorizer | None = None
        self.terms = np.array([], dtype=object)
        self.categories: dict[str, int] = {}

    @property
    def empty(self) -> bool:
        """True when nothing in the fitted texts could be turned into features."""
        return self.words is None and self.chars is None

    def fit_transform(self, texts: Sequence[str], categories: Sequence[str]) -> sp.csr_matrix:
        """Learn vocabularies and categories from the inputs and return their rows."""
        texts = _content_only(texts)
        self.words, words = _fit_transform(
            TfidfVectorizer(
                ngram_range=(1, 2),
                stop_words="english",
                sublinear_tf=True,
                strip_accents="unicode",
                dtype=np.float32,
            ),
            texts,
        )
        self.chars, chars = _fit_transform(
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=self.char_ngrams,
                sublinear_tf=True,
                strip_accents="unicode",
                dtype=np.float32,
            ),
            texts,
        )
        if self.words is not None:
            self.terms = self.words.get_feature_names_out()
        self.categories = {c: i for i, c in enumerate(sorted({c for c in categories if c}))}
        return self._join([words, chars], categories)

    def transform(self, texts: Sequence[str], categories: Sequence[str]) -> sp.csr_matrix:
        """Return one row per text (all zeros when none of its features is known)."""
        texts = _content_only(texts)
        return self._join(
            [vectoriser.transform(texts) for vectoriser in (self.words, self.chars) if vectoriser],
            categories,
        )

    def _join(
        self, blocks: Sequence[sp.csr_matrix | None], categories: Sequence[str]
    ) -> sp.csr_matrix:
        """Join text blocks and the category block into L2-normalised rows."""
        parts = [_unit_rows(block) for block in blocks if block is not None]
        rows, cols = [], []
        for row, category in enumerate(categories):
            if category in self.categories:
                rows.append(row)
                cols.append(self.categories[category])
        onehot = sp.csr_matrix(
            (np.full(len(rows), self.category_scale, dtype=np.float32), (rows, cols)),
            shape=(len(categories), len(self.categories)),
        )
        if parts:
            parts = [_unit_rows(sp.hstack(parts, format="csr"))]
        return _unit_rows(sp.hstack([*parts, onehot], format="csr"))

    def shared_terms(self, row: _Row, other: _Row, n: int) -> tuple[str, ...]:
        """Return up to ``n`` whole-word terms weighing most in both rows, best first.

        Single words already covered by a chosen word pair are dropped, so the list reads
        as distinct reasons rather than repeats.
        """
        cols, mine, theirs = np.intersect1d(
            row.cols, other.cols, assume_unique=True, return_indices=True
        )
        weights = row.values[mine] * other.values[theirs]
        words = (cols < len(self.terms)) & (weights > 0)  # word features come first
        ranked = sorted(zip(-weights[words], self.terms[cols[words]], strict=True))
        chosen: list[str] = []
        for _, term in ranked:
            if len(chosen) == n:
                break
            if not any(term in kept.split() for kept in chosen):
                chosen = [kept for kept in chosen if kept not in term.split()] + [term]
        return tuple(chosen)


class TfidfEngine:
    """Nearest-centroid theme suggestion and similarity search over TF-IDF.

    Each theme is the normalised mean of its issues' vectors; an ungrouped issue goes to
    the closest theme when its cosine similarity reaches ``new_threshold``. Issues below
    it are grouped among themselves (average-linkage clustering, joining while the mean
    similarity is at least ``group_threshold``) into new groups ``new-1``, ``new-2``...
    When no fitted document has a label, categories stand in as labels.

    Results are deterministic: documents are ordered by key and ties go to the smaller
    label or key.
    """

    def __init__(
        self,
        *,
        new_threshold: float = 0.10,
        group_threshold: float = 0.08,
        category_weight: float = 0.05,
        max_chars: int = 10_000,
        max_terms: int = 5,
        char_ngrams: tuple[int, int] = (3, 5),
    ) -> None:
        """Configure the engine.

        ``category_weight`` is the cosine similarity two otherwise unrelated issues gain
        (roughly) by sharing a category. ``max_chars`` truncates very long texts before
        vectorising, to keep the cost of one document bounded. ``char_ngrams`` is the range
        of character n-gram lengths: a narrower range fits faster in less memory, at some
        cost in matching spelling variants.
        """
        self.new_threshold = new_threshold
        self.group_threshold = group_threshold
        self.category_weight = category_weight
        self.max_chars = max_chars
        self.max_terms = max_terms
        self.char_ngrams = char_ngrams
        self._vectoriser: _Vectoriser | None = None
        self._keys: list[Key] = []
        self._positions: dict[Key, int] = {}
        self._matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._labels: list[str] = []
        self._centroids = sp.csr_matrix((0, 0), dtype=np.float32)

    def fit(self, docs: Sequence[Doc]) -> None:
        """Learn the vocabulary from every document and one centroid per label.

        Fit on every issue, grouped or not, so that the vocabulary also covers the issues
        later passed to ``suggest``. Keys must be unique.
        """
        docs = sorted(docs, key=lambda doc: _key_order(doc.key))
        texts = [self._clip(doc.text) for doc in docs]
        categories = [doc.category for doc in docs]
        self._vectoriser = _Vectoriser(self.category_weight, self.char_ngrams)
        self._matrix = self._vectoriser.fit_transform(texts, categories)
        self._keys = [doc.key for doc in docs]
        self._positions = {key: i for i, key in enumerate(self._keys)}

        labels = [doc.label for doc in docs]
        if not any(labels):
            labels = [doc.category or None for doc in docs]
        self._labels = sorted({label for label in labels if label})
        index = {label: i for i, label in enumerate(self._labels)}
        rows = [i for i, label in enumerate(labels) if label]
        membership = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), ([index[labels[i]] for i in rows], rows)),
            shape=(len(self._labels), len(docs)),
        )
        self._centroids = _unit_rows(membership @ self._matrix).tocsr()

    def similar(
        self,
        text: str,
        k: int = 5,
        exclude: Key | None = None,
        *,
        category: str = "",
        among: Collection[Key] | None = None,
    ) -> list[Match]:
        """Return up to ``k`` fitted documents most similar to ``text``, best first.

        ``exclude`` leaves one key out (the query's own document); ``among``, when given,
        limits the search to those keys. Documents sharing no feature with the text are
        never returned. ``category`` adds the small bonus for documents in that category.
        """
        if k <= 0 or self._vectoriser is None or not self._keys:
            return []
        query = self._vectoriser.transform([self._clip(text)], [category])
        scores = self._matrix @ query.toarray().ravel()  # a dense query is much faster
        if among is not None:
            allowed = np.zeros(len(scores), dtype=bool)
            allowed[[self._positions[key] for key in among if key in self._positions]] = True
            scores[~allowed] = 0.0
        if exclude in self._positions:
            scores[self._positions[exclude]] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            # Keep every candidate tied with the k-th best so ties are broken by key.
            kth = np.partition(scores[candidates], -k)[-k]
            candidates = candidates[scores[candidates] >= kth]
        ranked = sorted(candidates, key=lambda i: (-scores[i], _key_order(self._keys[i])))[:k]
        return [
            Match(
                key=self._keys[i],
                score=float(scores[i]),
                shared_terms=self._vectoriser.shared_terms(
                    _Row.of(query, 0), _Row.of(self._matrix, i), self.max_terms
                ),
            )
            for i in ranked
        ]

    def suggest(self, docs: Sequence[Doc]) -> list[Suggestion]:
        """Suggest a group for each of ``docs``, in the order given.

        A document close enough to a theme centroid gets that theme; the rest are grouped
        among themselves into new groups, numbered in key order and never reusing an
        existing label. A new group's score is the mean similarity to its other members
        (0 when alone) and its reason the words shared with them (its own strongest words
        when alone). Labels on ``docs`` are ignored.
        """
        if not docs:
            return []
        order = sorted(range(len(docs)), key=lambda i: _key_order(docs[i].key))
        ordered = [docs[i] for i in order]
        texts = [self._clip(doc.text) for doc in ordered]
        categories = [doc.category for doc in ordered]
        vectoriser = self._vectoriser
        if vectoriser is None or vectoriser.empty:
            vectoriser = _Vectoriser(self.category_weight, self.char_ngrams)
            rows = vectoriser.fit_transform(texts, categories)
        else:
            rows = vectoriser.transform(texts, categories)

        found: dict[int, Suggestion] = {}
        leftovers = list(range(len(ordered)))
        if self._labels:
            scores = (rows @ self._centroids.T).toarray()
            best = scores.argmax(axis=1)  # first maximum: ties go to the smaller label
            leftovers = []
            for i, label_index in enumerate(best):
                score = float(scores[i, label_index])
                if score < self.new_threshold:
                    leftovers.append(i)
                    continue
                found[i] = Suggestion(
                    key=ordered[i].key,
                    label=self._labels[label_index],
                    score=score,
                    is_new=False,
                    reason=vectoriser.shared_terms(
                        _Row.of(rows, i), _Row.of(self._centroids, label_index), self.max_terms
                    ),
                )
        found.update(self._new_groups(ordered, rows, leftovers, vectoriser))
        by_input = dict(zip(order, range(len(ordered)), strict=True))
        return [found[by_input[i]] for i in range(len(docs))]

    def _new_groups(
        self,
        docs: Sequence[Doc],
        rows: sp.csr_matrix,
        members: list[int],
        vectoriser: _Vectoriser,
    ) -> dict[int, Suggestion]:
        """Cluster the documents at ``members`` into new groups, keyed by position."""
        if not members:
            return {}
        subset = rows[members]
        similarity = (subset @ subset.T).toarray()
        distance = np.clip(1.0 - similarity, 0.0, 2.0)
        np.fill_diagonal(distance, 0.0)
        if len(members) == 1:
            clusters = np.zeros(1, dtype=int)
        else:
            clusters = AgglomerativeClustering(
                n_clusters=None,
                metric="precomputed",
                linkage="average",
                distance_threshold=1.0 - self.group_threshold,
            ).fit_predict(distance)
        # Number the groups in order of their first member, so numbering follows key order.
        group = {cluster: i for i, cluster in enumerate(dict.fromkeys(clusters.tolist()))}
        names = list(islice(self._new_group_names(), len(group)))
        groups = np.array([group[cluster] for cluster in clusters.tolist()])
        sizes = np.bincount(groups)
        membership = sp.csr_matrix(
            (np.ones(len(groups), dtype=np.float32), (groups, np.arange(len(groups)))),
            shape=(len(sizes), len(groups)),
        )
        totals = (membership @ subset).tocsr()  # sum of each group's rows
        totals.sort_indices()
        result: dict[int, Suggestion] = {}
        for position, g in enumerate(groups):
            row = _Row.of(subset, position)
            if sizes[g] > 1:
                peers = groups == g
                score = float(
                    (similarity[position, peers].sum() - similarity[position, position])
                    / (sizes[g] - 1)
                )
                others = _Row.of(totals, g).minus(row)
                reason = vectoriser.shared_terms(row, others, self.max_terms)
            else:
                score, reason = 0.0, vectoriser.shared_terms(row, row, self.max_terms)
            result[members[position]] = Suggestion(
                key=docs[members[position]].key,
                label=names[g],
                score=score,
                is_new=True,
                reason=reason,
            )
        return result

    def _new_group_names(self) -> Iterator[str]:
        """Yield ``new-1``, ``new-2``... skipping any that is already a theme label."""
        taken = set(self._labels)
        number = 0
        while True:
            number += 1
            name = f"{NEW_GROUP_PREFIX}{number}"
            if name not in taken:
                yield name

    def _clip(self, text: str) -> str:
        """Truncate ``text`` to ``max_chars`` characters."""
        return (text or "")[: self.max_chars]


ENGINES: dict[str, Callable[[], Engine]] = {"tfidf": TfidfEngine}


def get_engine(name: str = "tfidf") -> Engine:
    """Return a new, unfitted engine registered under ``name``.

    Raises ValueError naming the known engines when ``name`` is not one of them.
    """
    try:
        return ENGINES[name]()
    except KeyError:
        known = ", ".join(sorted(ENGINES))
        raise ValueError(f"Unknown similarity engine {name!r}; choose one of: {known}.") from None


def issue_text(issue: Mapping[str, Any]) -> str:
    """Join an issue's title, body and proposed solution into one text."""
    parts = (issue.get("title"), issue.get("body"), issue.get("proposed_solution"))
    return "\n".join(str(part) for part in parts if part)


def suggest_groups_for(
    input_issues: Sequence[Mapping[str, Any]],
    example_issues: Sequence[Mapping[str, Any]] = (),
    engine_name: str = "tfidf",
    similar_count: int = 3,
) -> list[dict[str, Any]]:
    """Suggest a group and similar issues for each input issue, by index.

    Issues are dictionaries in the sample file's format. Any ``theme`` on an input issue
    is ignored; themes on the examples are the labels to learn from. Without labelled
    examples, the posters' categories serve as weak labels. Each result holds ``index``,
    ``title``, ``suggested_group``, ``similar`` (indices of the most similar other input
    issues) and ``reason`` (the words behind the suggestion).
    """
    engine = get_engine(engine_name)
    inputs = [
        Doc(key=i, text=issue_text(issue), category=str(issue.get("category") or ""))
        for i, issue in enumerate(input_issues)
    ]
    examples = [
        Doc(
            key=f"example-{i}",
            text=issue_text(issue),
            category=str(issue.get("category") or ""),
            label=str(issue.get("theme") or "") or None,
        )
        for i, issue in enumerate(example_issues)
    ]
    engine.fit(examples + inputs)
    input_keys = [doc.key for doc in inputs]
    results = []
    for doc, suggestion in zip(inputs, engine.suggest(inputs), strict=True):
        matches = engine.similar(
            doc.text, similar_count, exclude=doc.key, category=doc.category, among=input_keys
        )
        results.append(
            {
                "index": doc.key,
                "title": str(input_issues[doc.key].get("title") or ""),
                "suggested_group": suggestion.label,
                "similar": [match.key for match in matches],
                "reason": list(suggestion.reason),
            }
        )
    return results
