"""The similarity engine: similar issues, suggested themes and new groups.

Finds issues similar to a piece of text, suggests which existing theme an ungrouped issue
belongs to (learned from issues a convenor has already grouped), and proposes new, named
groups for issues that fit no theme. Pure Python, numpy and scikit-learn: no Django, so the
web app, management commands and benchmarks can all share it.
"""

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp

from issues.similarity.documents import Doc, Key, Match, Suggestion, issue_text, key_order
from issues.similarity.grouping import new_groups
from issues.similarity.vectors import Row, Vectoriser, unit_rows

# Temperatures tried when learning how sharply closeness to a theme turns into belief in it.
_TEMPERATURES = (0.01, 0.015, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.35)
# How much the poster's category may count towards a theme, tried alongside each temperature.
_CATEGORY_EVIDENCE = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
# Pseudo-count for each pairing of a theme and a category, so no pairing is ever impossible.
_CATEGORY_PRIOR = 0.5


class TfidfEngine:
    """Similarity over TF-IDF, sharpened by the themes convenors have already made.

    Text: each issue is a TF-IDF vector of its words, word pairs and character n-grams, with
    a small block for the poster's category (a weak hint). Themes: each theme is the
    normalised mean of its issues' text vectors, without the category (its centroid). A
    text's belief in each theme is a softmax of its closeness to every centroid, plus, as
    separate evidence, how often the poster's category goes with each theme among the
    grouped issues (posters' categories are often wrong, and some themes have no category
    of their own, so the forum's own history says how far to trust them). How sharply
    closeness turns into belief (a temperature) and how much the category counts are
    learned together by leaving each grouped issue out in turn and choosing the values that
    predict its theme best.

    Similar issues are ranked by their cosine similarity ``s`` to the text, raised by
    ``theme_weight * belief * min(s, theme_cap)``, where belief is how much the text is
    believed to be in the other issue's theme (the convenor's theme for a grouped issue, the
    predicted one for the others, weighed by its confidence). So issues in the theme the
    text belongs to move up, while a near-copy in other words keeps its lead: the raise is
    capped. Only issues sharing at least one feature with the text are returned.

    A suggested theme is the most believed one, unless the text is less similar than
    ``new_threshold`` to every centroid; issues below it are grouped among themselves
    (average-linkage clustering, joining while the mean similarity is at least
    ``group_threshold``) into new groups ``new-1``, ``new-2``... each with a readable name.
    When no fitted document has a label, categories stand in as labels and the themes add
    nothing to similarity (a new forum).

    Results are deterministic: documents are ordered by key and ties go to the smaller
    label or key.
    """

    def __init__(
        self,
        *,
        new_threshold: float = 0.10,
        group_threshold: float = 0.08,
        category_weight: float = 0.05,
        theme_weight: float = 0.5,
        theme_cap: float = 0.2,
        max_chars: int = 10_000,
        max_terms: int = 5,
        char_ngrams: tuple[int, int] = (3, 5),
    ) -> None:
        """Configure the engine.

        ``category_weight`` is the cosine similarity two otherwise unrelated issues gain
        (roughly) by sharing a category. ``theme_weight`` and ``theme_cap`` set how far a
        shared theme raises a similarity (see the class). ``max_chars`` truncates very long
        texts before vectorising, to keep the cost of one document bounded. ``char_ngrams``
        is the range of character n-gram lengths: a narrower range fits faster in less
        memory, at some cost in matching spelling variants.
        """
        self.new_threshold = new_threshold
        self.group_threshold = group_threshold
        self.category_weight = category_weight
        self.theme_weight = theme_weight
        self.theme_cap = theme_cap
        self.max_chars = max_chars
        self.max_terms = max_terms
        self.char_ngrams = char_ngrams
        self._vectoriser: Vectoriser | None = None
        self._keys: list[Key] = []
        self._positions: dict[Key, int] = {}
        self._matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._labels: list[str] = []
        self._centroids = sp.csr_matrix((0, 0), dtype=np.float32)
        # Centroids of whole rows, category included: how close a text is to any theme at
        # all, which decides whether it starts a new group.
        self._row_centroids = sp.csr_matrix((0, 0), dtype=np.float32)
        self._learned = False  # True when the labels are convenors' themes
        self.temperature = _TEMPERATURES[0]
        self.category_evidence = 0.0  # how much the poster's category counts towards a theme
        self._category_log = np.zeros((0, 0))  # log P(category | theme), smoothed
        self._doc_theme = np.zeros(0, dtype=np.int64)  # theme index per document, -1 if none
        self._doc_belief = np.zeros(0, dtype=np.float32)  # 1 for a convenor's theme

    def fit(self, docs: Sequence[Doc]) -> None:
        """Learn the vocabulary from every document and the themes from labelled ones.

        Fit on every issue, grouped or not, so that the vocabulary also covers the issues
        later passed to ``suggest``. Keys must be unique.
        """
        docs = sorted(docs, key=lambda doc: key_order(doc.key))
        texts = [self._clip(doc.text) for doc in docs]
        categories = [doc.category for doc in docs]
        self._vectoriser = Vectoriser(self.category_weight, self.char_ngrams)
        self._matrix = self._vectoriser.fit_transform(texts, categories)
        self._keys = [doc.key for doc in docs]
        self._positions = {key: i for i, key in enumerate(self._keys)}

        labels = [doc.label for doc in docs]
        self._learned = any(labels)
        if not self._learned:
            labels = [doc.category or None for doc in docs]
        self._labels = sorted({label for label in labels if label})
        index = {label: i for i, label in enumerate(self._labels)}
        rows = [i for i, label in enumerate(labels) if label]
        membership = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), ([index[labels[i]] for i in rows], rows)),
            shape=(len(self._labels), len(docs)),
        )
        theme = np.full(len(docs), -1, dtype=np.int64)
        theme[rows] = [index[labels[i]] for i in rows]
        self._doc_theme = theme
        self._doc_belief = (theme >= 0).astype(np.float32)
        self._category_log = np.zeros((len(self._labels), 0))
        self.category_evidence = 0.0
        if not self._learned:
            self._centroids = self._row_centroids = unit_rows(membership @ self._matrix)
            return
        text_rows = self._vectoriser.text_only(self._matrix)
        sums = (membership @ text_rows).tocsr()
        self._centroids = unit_rows(sums)
        self._row_centroids = unit_rows(membership @ self._matrix)
        doc_categories = self._category_columns(categories)
        counts = np.zeros((len(self._labels), len(self._vectoriser.categories)))
        with_category = theme >= 0
        with_category[doc_categories < 0] = False
        np.add.at(counts, (theme[with_category], doc_categories[with_category]), 1.0)
        self._category_log = np.log(
            (counts + _CATEGORY_PRIOR)
            / (counts.sum(axis=1, keepdims=True) + _CATEGORY_PRIOR * counts.shape[1])
        )
        self.temperature, self.category_evidence = self._learn_belief(
            text_rows, sums, theme, doc_categories, counts
        )
        self._predict_ungrouped(text_rows, doc_categories)

    def _category_columns(self, categories: Sequence[str]) -> np.ndarray:
        """Each category's column among the fitted categories; -1 for none or unknown."""
        known = self._vectoriser.categories if self._vectoriser else {}
        return np.array([known.get(c, -1) for c in categories], dtype=np.int64)

    def _learn_belief(
        self,
        text_rows: sp.csr_matrix,
        sums: sp.csr_matrix,
        theme: np.ndarray,
        doc_categories: np.ndarray,
        counts: np.ndarray,
    ) -> tuple[float, float]:
        """The temperature and category weight that best predict grouped issues' themes.

        Each grouped issue is left out in turn, on whole matrices: its closeness to its own
        theme is recomputed with the issue taken out of that theme's sum, and its category
        is taken out of the counts of categories by theme.
        """
        grouped = np.flatnonzero(theme >= 0)
        own = theme[grouped]
        sizes = np.bincount(own, minlength=len(self._labels))
        keep = sizes[own] > 1  # an issue alone in its theme leaves nothing to learn from
        grouped, own = grouped[keep], own[keep]
        if len(grouped) == 0 or len(self._labels) < 2:
            return _TEMPERATURES[0], 0.0
        rows = text_rows[grouped]
        dots = (rows @ sums.T).toarray()
        sum_norms = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
        self_norms = np.asarray(rows.multiply(rows).sum(axis=1)).ravel()
        at = np.arange(len(grouped))
        own_dot = dots[at, own] - self_norms
        own_norm = np.sqrt(np.maximum(sum_norms[own] - 2 * dots[at, own] + self_norms, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            cosines = np.where(sum_norms > 0, dots / np.sqrt(sum_norms), 0.0)
            cosines[at, own] = np.where(own_norm > 0, own_dot / own_norm, 0.0)

        category = doc_categories[grouped]
        evidence = np.zeros_like(cosines)
        has = category >= 0
        if has.any():
            mine = np.zeros((len(grouped), len(self._labels)))
            mine[at, own] = 1.0
            pair = counts[:, category[has]].T - mine[has]
            totals = counts.sum(axis=1)[None, :] - mine[has]
            evidence[has] = np.log(
                (pair + _CATEGORY_PRIOR) / (totals + _CATEGORY_PRIOR * counts.shape[1])
            )

        best, best_fit = (_TEMPERATURES[0], 0.0), -np.inf
        for temperature in _TEMPERATURES:
            for weight in _CATEGORY_EVIDENCE:
                logits = cosines / temperature + weight * evidence
                fit = float(np.mean(logits[at, own] - logsumexp(logits, axis=1)))
                if fit > best_fit + 1e-9:
                    best, best_fit = (temperature, weight), fit
        return best

    def _beliefs(self, rows: sp.csr_matrix, categories: Sequence[str]) -> np.ndarray:
        """Each row's belief in each theme (each row sums to 1); rows carry their category."""
        text_rows = self._vectoriser.text_only(rows) if self._vectoriser else rows
        return self._text_beliefs(text_rows, self._category_columns(categories))

    def _text_beliefs(self, text_rows: sp.csr_matrix, categories: np.ndarray) -> np.ndarray:
        logits = (text_rows @ self._centroids.T).toarray() / self.temperature
        known = categories >= 0
        if self.category_evidence and known.any():
            logits[known] += self.category_evidence * self._category_log[:, categories[known]].T
        logits -= logits.max(axis=1, keepdims=True)
        beliefs = np.exp(logits)
        beliefs /= beliefs.sum(axis=1, keepdims=True)
        return beliefs

    def _predict_ungrouped(self, text_rows: sp.csr_matrix, categories: np.ndarray) -> None:
        """Give each ungrouped issue its most believed theme, weighed by that belief."""
        ungrouped = np.flatnonzero(self._doc_theme < 0)
        if len(ungrouped) == 0:
            return
        rows = text_rows[ungrouped]
        beliefs = self._text_beliefs(rows, categories[ungrouped])
        has_text = np.asarray(rows.getnnz(axis=1)) > 0
        best = beliefs.argmax(axis=1)
        self._doc_theme[ungrouped] = np.where(has_text, best, -1)
        self._doc_belief[ungrouped] = np.where(has_text, beliefs[np.arange(len(best)), best], 0)

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
        never returned. ``category`` adds the small bonus for documents in that category
        and, once convenors have made themes, is one hint to the text's theme.
        """
        if k <= 0 or self._vectoriser is None or not self._keys:
            return []
        query = self._vectoriser.transform([self._clip(text)], [category])
        text_scores = self._matrix @ query.toarray().ravel()  # a dense query is much faster
        scores = text_scores.astype(np.float64)
        if self._learned and self.theme_weight and query.nnz:
            beliefs = self._beliefs(query, [category])[0]
            themed = self._doc_theme >= 0
            scores[themed] += (
                self.theme_weight
                * beliefs[self._doc_theme[themed]]
                * self._doc_belief[themed]
                * np.minimum(text_scores[themed], self.theme_cap)
            )
        scores[text_scores <= 0] = 0.0
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
        ranked = sorted(candidates, key=lambda i: (-scores[i], key_order(self._keys[i])))[:k]
        return [
            Match(
                key=self._keys[i],
                score=float(scores[i]),
                shared_terms=self._vectoriser.shared_terms(
                    Row.of(query, 0), Row.of(self._matrix, i), self.max_terms
                ),
            )
            for i in ranked
        ]

    def suggest(self, docs: Sequence[Doc]) -> list[Suggestion]:
        """Suggest a group for each of ``docs``, in the order given.

        A document close enough to some theme centroid gets the theme it most believes in
        (its score is that belief); the rest are grouped among themselves into new groups,
        numbered in key order and never reusing an existing label. A new group's score is
        the mean similarity to its other members (0 when alone), its reason the words
        shared with them (its own strongest words when alone), and its name the phrase that
        best describes the group. Labels on ``docs`` are ignored.
        """
        if not docs:
            return []
        order = sorted(range(len(docs)), key=lambda i: key_order(docs[i].key))
        ordered = [docs[i] for i in order]
        texts = [self._clip(doc.text) for doc in ordered]
        categories = [doc.category for doc in ordered]
        vectoriser = self._vectoriser
        if vectoriser is None or vectoriser.empty:
            vectoriser = Vectoriser(self.category_weight, self.char_ngrams)
            rows = vectoriser.fit_transform(texts, categories)
        else:
            rows = vectoriser.transform(texts, categories)

        found: dict[int, Suggestion] = {}
        leftovers = list(range(len(ordered)))
        # Themes fitted on texts with no words cannot be compared with a fresh vocabulary.
        if self._labels and vectoriser is self._vectoriser:
            theme_rows = vectoriser.text_only(rows) if self._learned else rows
            closeness = (rows @ self._row_centroids.T).toarray()
            beliefs = (
                self._text_beliefs(theme_rows, self._category_columns(categories))
                if self._learned
                else closeness
            )
            best = beliefs.argmax(axis=1)  # first maximum: ties go to the smaller label
            leftovers = []
            for i, label_index in enumerate(best):
                if closeness[i].max() < self.new_threshold:
                    leftovers.append(i)
                    continue
                found[i] = Suggestion(
                    key=ordered[i].key,
                    label=self._labels[label_index],
                    score=float(beliefs[i, label_index]),
                    is_new=False,
                    reason=vectoriser.shared_terms(
                        Row.of(theme_rows, i), Row.of(self._centroids, label_index), self.max_terms
                    ),
                )
        found.update(
            new_groups(
                ordered,
                texts,
                rows,
                leftovers,
                vectoriser,
                taken=self._labels,
                threshold=self.group_threshold,
                max_terms=self.max_terms,
            )
        )
        by_input = dict(zip(order, range(len(ordered)), strict=True))
        return [found[by_input[i]] for i in range(len(docs))]

    def _clip(self, text: str) -> str:
        """Truncate ``text`` to ``max_chars`` characters."""
        return (text or "")[: self.max_chars]


def suggest_groups_for(
    input_issues: Sequence[Mapping[str, Any]],
    example_issues: Sequence[Mapping[str, Any]] = (),
    similar_count: int = 3,
) -> list[dict[str, Any]]:
    """Suggest a group and similar issues for each input issue, by index.

    Issues are dictionaries in the sample file's format. Any ``theme`` on an input issue
    is ignored; themes on the examples are the labels to learn from. Without labelled
    examples, the posters' categories serve as weak labels. Each result holds ``index``,
    ``title``, ``suggested_group``, ``similar`` (indices of the most similar other input
    issues) and ``reason`` (the words behind the suggestion).
    """
    engine = TfidfEngine()
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
