"""New groups for issues that fit no theme: clustered among themselves and named."""

from collections.abc import Collection, Iterator, Sequence
from itertools import islice

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import AgglomerativeClustering

from issues.similarity.documents import NEW_GROUP_PREFIX, Doc, Suggestion
from issues.similarity.naming import group_name, rarity_from
from issues.similarity.vectors import Row, Vectoriser


def new_groups(
    docs: Sequence[Doc],
    texts: Sequence[str],
    rows: sp.csr_matrix,
    members: list[int],
    vectoriser: Vectoriser,
    *,
    taken: Collection[str],
    threshold: float,
    max_terms: int,
) -> dict[int, Suggestion]:
    """Cluster the documents at ``members`` into new, named groups, keyed by position.

    Average-linkage clustering joins groups while their mean similarity is at least
    ``threshold``. Groups are numbered ``new-1``, ``new-2``... in order of their first
    member, never reusing a label in ``taken``. A member's score is its mean similarity to
    the others (0 when alone), its reason the words it shares with them (its own strongest
    words when alone), and the group's name the phrase that best describes it.
    """
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
            distance_threshold=1.0 - threshold,
        ).fit_predict(distance)
    # Number the groups in order of their first member, so numbering follows key order.
    group = {cluster: i for i, cluster in enumerate(dict.fromkeys(clusters.tolist()))}
    labels = list(islice(_new_labels(taken), len(group)))
    groups = np.array([group[cluster] for cluster in clusters.tolist()])
    sizes = np.bincount(groups)
    membership = sp.csr_matrix(
        (np.ones(len(groups), dtype=np.float32), (groups, np.arange(len(groups)))),
        shape=(len(sizes), len(groups)),
    )
    totals = (membership @ subset).tocsr()  # sum of each group's rows
    totals.sort_indices()
    scores = np.zeros(len(groups))
    reasons: list[tuple[str, ...]] = []
    for position, g in enumerate(groups):
        row = Row.of(subset, position)
        if sizes[g] > 1:
            peers = groups == g
            scores[position] = (
                similarity[position, peers].sum() - similarity[position, position]
            ) / (sizes[g] - 1)
            others = Row.of(totals, g).minus(row)
            reasons.append(vectoriser.shared_terms(row, others, max_terms))
        else:
            reasons.append(vectoriser.shared_terms(row, row, max_terms))
    rarity = rarity_from(vectoriser.idf)
    names = []
    for g in range(len(sizes)):
        positions = np.flatnonzero(groups == g)
        central = int(np.argmax(scores[positions]))  # first of the most central
        names.append(
            group_name(
                [texts[members[p]] for p in positions],
                central=central,
                rarity=rarity,
                used_by=vectoriser.used_by,
            )
        )
    return {
        members[position]: Suggestion(
            key=docs[members[position]].key,
            label=labels[g],
            score=float(scores[position]),
            is_new=True,
            reason=reasons[position],
            name=names[g],
        )
        for position, g in enumerate(groups)
    }


def _new_labels(taken: Collection[str]) -> Iterator[str]:
    """Yield ``new-1``, ``new-2``... skipping any that is already a theme label."""
    number = 0
    while True:
        number += 1
        name = f"{NEW_GROUP_PREFIX}{number}"
        if name not in taken:
            yield name
