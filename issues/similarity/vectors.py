"""How the engine turns issue texts into vectors, and which words never count as a reason."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

# Everyday words that say nothing about what a problem is: shown as "why these match" or in
# a group's name they read as noise ("use, left, day"), so neither ever shows them. They stay
# features: taking them out of the vectors made matching slightly worse.
GENERIC_WORDS = frozenset(
    """
    able ago agreed ask asked asking away bad basically better big certain
    change changed come comes coming day days did does doing don done dont end
    ended every everyone everything far feel feels felt fine good got gets getting going
    gone great happen happened happens hard help helps having isn issue issues just
    know knows lately left let like likely long look looked looking lot lots main make
    makes making mean means meant month months morning need needed needs new nobody
    normal now often ok okay old problem problems put quite real really recently right
    said say says seem seems set since small sometimes sort start started still stop
    stopped sure take takes taking tell thing things think time times today told took
    tried try trying turn use used uses using usually want wanted wants way ways week
    weeks went whole work worked working works year years yes yesterday
    """.split()
)
# What is left of a contraction once the words are split at the apostrophe ("I've", "isn't").
CONTRACTION_PARTS = frozenset(
    """
    ain aren couldn didn doesn don hadn hasn haven isn ll mustn needn re shan shouldn ve
    wasn weren won wouldn
    """.split()
)
STOP_WORDS = ENGLISH_STOP_WORDS | GENERIC_WORDS | CONTRACTION_PARTS
# A word found in more than this share of a forum's issues says little about any one of
# them ("team" on a forum of social workers), so it is never a reason either; only
# judged once the forum has enough issues for the share to mean something.
COMMON_SHARE = 0.25
COMMON_MIN_ISSUES = 20

WORD = re.compile(r"(?u)\b\w\w+\b")


def has_content(text: str) -> bool:
    """True when ``text`` holds a word that is not an English stop word."""
    return any(word not in ENGLISH_STOP_WORDS for word in WORD.findall(text.lower()))


def unit_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Scale each row of ``matrix`` to unit length, leaving all-zero rows as they are."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sp.diags(inverse) @ matrix).tocsr()


@dataclass(frozen=True)
class Row:
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
    return [text if has_content(text) else "" for text in texts]


class Vectoriser:
    """Turns texts and categories into unit-length sparse rows.

    A row is TF-IDF over words and word pairs (English stop words removed)
    joined with TF-IDF over character n-grams inside words, which copes with plurals,
    spelling variants and typos. A one-hot block for the poster's category is added with a
    small weight, so a shared category nudges similarity without outweighing the text.
    """

    def __init__(self, category_weight: float, char_ngrams: tuple[int, int] = (3, 5)) -> None:
        """Create an unfitted vectoriser; both arguments are explained on TfidfEngine."""
        self.category_scale = float(np.sqrt(category_weight))
        self.char_ngrams = char_ngrams
        self.words: TfidfVectorizer | None = None
        self.chars: TfidfVectorizer | None = None
        self.terms = np.array([], dtype=object)
        self.categories: dict[str, int] = {}
        self.text_columns = 0  # the columns before the category block
        self.common: frozenset[str] = frozenset()  # words too common to be a reason
        self.documents = 0  # how many texts were fitted

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
            self.common = self._common_words(len(texts))
        self.documents = len(texts)
        self.categories = {c: i for i, c in enumerate(sorted({c for c in categories if c}))}
        rows = self._join([words, chars], categories)
        self.text_columns = rows.shape[1] - len(self.categories)
        return rows

    def transform(self, texts: Sequence[str], categories: Sequence[str]) -> sp.csr_matrix:
        """Return one row per text (all zeros when none of its features is known)."""
        texts = _content_only(texts)
        return self._join(
            [vectoriser.transform(texts) for vectoriser in (self.words, self.chars) if vectoriser],
            categories,
        )

    def _common_words(self, documents: int) -> frozenset[str]:
        """The single words in more than ``COMMON_SHARE`` of the fitted texts."""
        if documents < COMMON_MIN_ISSUES:
            return frozenset()
        # TfidfVectorizer's smoothed idf is ln((1 + n) / (1 + df)) + 1; solve it for df.
        found = (1 + documents) / np.exp(self.words.idf_ - 1) - 1
        common = found > COMMON_SHARE * documents + 1e-6
        return frozenset(term for term in self.terms[common] if " " not in term)

    def used_by(self, term: str) -> int | None:
        """How many fitted texts hold ``term`` (a word or word pair); None if unseen."""
        if self.words is None or (column := self.words.vocabulary_.get(term)) is None:
            return None
        return round((1 + self.documents) / np.exp(self.words.idf_[column] - 1) - 1)

    def idf(self, term: str) -> float | None:
        """How rare ``term`` (a word or word pair) is in the fitted texts; None if unseen."""
        if self.words is None:
            return None
        column = self.words.vocabulary_.get(term)
        return None if column is None else float(self.words.idf_[column])

    def _join(
        self, blocks: Sequence[sp.csr_matrix | None], categories: Sequence[str]
    ) -> sp.csr_matrix:
        """Join text blocks and the category block into L2-normalised rows."""
        parts = [unit_rows(block) for block in blocks if block is not None]
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
            parts = [unit_rows(sp.hstack(parts, format="csr"))]
        return unit_rows(sp.hstack([*parts, onehot], format="csr"))

    def text_only(self, rows: sp.csr_matrix) -> sp.csr_matrix:
        """``rows`` without their category block, scaled back to unit length."""
        rows = sp.csr_matrix(rows, copy=True)
        rows.data[rows.indices >= self.text_columns] = 0.0
        rows.eliminate_zeros()
        return unit_rows(rows)

    def shared_terms(self, row: Row, other: Row, n: int) -> tuple[str, ...]:
        """Return up to ``n`` whole-word terms weighing most in both rows, best first.

        Terms holding an everyday word ("use", "left", "day"), part of a contraction ("ve")
        or a word in more than a quarter of the forum's issues are never reasons. Single
        words already covered by a chosen word pair are dropped, so the list reads as
        distinct reasons rather than repeats.
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
            if any(word in STOP_WORDS or word in self.common for word in term.split()):
                continue
            if any(_singular(term) == _singular(kept) for kept in chosen):
                continue  # "posts" after "post" says nothing new
            if not any(term in kept.split() for kept in chosen):
                chosen = [kept for kept in chosen if kept not in term.split()] + [term]
        return tuple(chosen)


def _singular(term: str) -> str:
    """``term`` with a plural "s" dropped from each word, to spot the same reason twice."""
    return " ".join(
        word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
        for word in term.split()
    )
