"""Behaviour of the similarity engine, including its quality bars on the shared sample."""

import json
import re
import time
from pathlib import Path

import pytest

from issues.similarity import (
    Doc,
    Suggestion,
    TfidfEngine,
    issue_text,
    suggest_groups_for,
)

SAMPLE = Path(__file__).resolve().parents[2] / "forum_app" / "demo" / "sample_issues.json"


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))["issues"]


def labelled_docs(issues: list[dict], unlabelled: frozenset[int] = frozenset()) -> list[Doc]:
    """Issues as documents, labelled with their theme except those in ``unlabelled``."""
    return [
        Doc(
            key=i,
            text=issue_text(issue),
            category=issue["category"],
            label=None if i in unlabelled else issue["theme"],
        )
        for i, issue in enumerate(issues)
    ]


PARKING = [
    Doc("p1", "Parking permits were withdrawn, so we drive round the streets looking for a space."),
    Doc("p2", "Car park permits withdrawn: nowhere to park near the building before appointments."),
]


# --- quality bars on the shared sample -------------------------------------------------------


def test_leave_one_out_predicts_the_convenors_theme_for_at_least_85_percent(sample):
    engine = TfidfEngine()
    correct = 0
    for i, issue in enumerate(sample):
        docs = labelled_docs(sample, unlabelled=frozenset({i}))
        engine.fit(docs)
        [suggestion] = engine.suggest([docs[i]])
        correct += suggestion.label == issue["theme"]
    assert correct / len(sample) >= 0.85, f"{correct}/{len(sample)} correct"


def test_most_similar_other_issue_shares_the_theme_for_at_least_85_percent(sample):
    engine = TfidfEngine()
    docs = labelled_docs(sample)
    engine.fit(docs)
    same = 0
    for doc in docs:
        [best] = engine.similar(doc.text, k=1, exclude=doc.key, category=doc.category)
        same += sample[best.key]["theme"] == doc.label
    assert same / len(docs) >= 0.85, f"{same}/{len(docs)} in the same theme"


def test_suggestion_never_reads_the_label_of_the_issue_being_suggested_for(sample):
    engine = TfidfEngine()
    docs = labelled_docs(sample, unlabelled=frozenset({0}))
    engine.fit(docs)
    misleading = Doc(docs[0].key, docs[0].text, docs[0].category, label="retention")

    assert engine.suggest([misleading]) == engine.suggest([docs[0]])


# --- determinism ---------------------------------------------------------------------------


def test_same_input_gives_the_same_suggestions_and_matches_whatever_the_order(sample):
    docs = labelled_docs(sample, unlabelled=frozenset(range(0, 45, 4)))
    ungrouped = [doc for doc in docs if doc.label is None] + PARKING

    first, second = TfidfEngine(), TfidfEngine()
    first.fit(docs + PARKING)
    second.fit(list(reversed(docs + PARKING)))

    assert first.suggest(ungrouped) == second.suggest(ungrouped)
    assert first.suggest(ungrouped) == first.suggest(ungrouped)
    reordered = second.suggest(list(reversed(ungrouped)))
    assert list(reversed(reordered)) == first.suggest(ungrouped)
    query = sample[7]["body"]
    assert first.similar(query, k=10) == second.similar(query, k=10)


def test_ties_are_broken_by_key():
    engine = TfidfEngine()
    engine.fit([Doc("b", "supervision cancelled"), Doc("a", "supervision cancelled")])

    assert [match.key for match in engine.similar("supervision cancelled")] == ["a", "b"]


# --- edge cases ----------------------------------------------------------------------------


def test_empty_corpus_finds_nothing_and_groups_issues_among_themselves():
    engine = TfidfEngine()
    engine.fit([])

    assert engine.similar("supervision keeps being cancelled") == []
    assert engine.suggest([]) == []
    suggestions = engine.suggest([*PARKING, Doc("x", "Interpreters take days to book")])
    assert [s.label for s in suggestions] == ["new-1", "new-1", "new-2"]
    assert all(s.is_new for s in suggestions)


def test_unfitted_engine_behaves_like_an_empty_one():
    engine = TfidfEngine()

    assert engine.similar("anything at all") == []
    assert [s.label for s in engine.suggest(PARKING)] == ["new-1", "new-1"]


def test_one_issue_is_found_and_its_category_stands_in_for_a_theme():
    engine = TfidfEngine()
    engine.fit([Doc(1, "Supervision cancelled three months running", "Supervision")])

    [match] = engine.similar("my supervision was cancelled again")
    assert match.key == 1
    assert set(" ".join(match.shared_terms).split()) == {"supervision", "cancelled"}
    assert engine.similar("my supervision was cancelled again", exclude=1) == []
    [suggestion] = engine.suggest([Doc(2, "Supervision is always cancelled")])
    assert (suggestion.label, suggestion.is_new) == ("Supervision", False)


def test_unknown_words_give_no_shared_terms_and_a_new_group(sample):
    engine = TfidfEngine()
    engine.fit(labelled_docs(sample))

    matches = engine.similar("Zyxquo vlorp grenthax")
    assert all(match.shared_terms == () for match in matches)
    assert all(match.score < 0.1 for match in matches)
    [suggestion] = engine.suggest([Doc("odd", "Zyxquo vlorp grenthax")])
    assert suggestion.is_new


def test_punctuation_and_stop_words_only_do_not_crash(sample):
    engine = TfidfEngine()
    engine.fit([Doc(1, "?!... --- !!!"), Doc(2, "and the of it is")])
    assert engine.similar("the and") == []
    assert [s.is_new for s in engine.suggest([Doc(3, "...")])] == [True]

    engine.fit(labelled_docs(sample))
    assert all(match.shared_terms == () for match in engine.similar("!!! ??? the and of"))
    assert engine.suggest([Doc("x", "")])[0].is_new


def test_a_100000_character_text_is_handled_quickly(sample):
    engine = TfidfEngine()
    long_text = ("Supervision keeps being cancelled and nobody writes it up. " * 2000)[:100_000]
    started = time.perf_counter()
    engine.fit([*labelled_docs(sample), Doc("long", long_text, "Supervision")])
    matches = engine.similar(long_text, exclude="long")
    suggestions = engine.suggest([Doc("long", long_text)])
    assert time.perf_counter() - started < 5

    assert sample[matches[0].key]["theme"] == "supervision"
    assert suggestions[0].label == "supervision"


def test_k_limits_the_number_of_matches_and_zero_returns_none(sample):
    engine = TfidfEngine()
    engine.fit(labelled_docs(sample))

    assert len(engine.similar(sample[0]["body"], k=3)) == 3
    assert engine.similar(sample[0]["body"], k=0) == []
    scores = [match.score for match in engine.similar(sample[0]["body"], k=10)]
    assert scores == sorted(scores, reverse=True)


def test_among_limits_the_search_to_the_given_keys(sample):
    engine = TfidfEngine()
    engine.fit(labelled_docs(sample))

    matches = engine.similar(sample[0]["body"], k=5, among=[3, 30, 40, 999])
    assert {match.key for match in matches} <= {3, 30, 40}
    assert engine.similar(sample[0]["body"], among=[]) == []


# --- suggestions ---------------------------------------------------------------------------


def test_issues_that_fit_no_theme_are_grouped_together_as_new(sample):
    engine = TfidfEngine()
    engine.fit(labelled_docs(sample) + PARKING)

    suggestions = engine.suggest(PARKING)
    assert [(s.label, s.is_new) for s in suggestions] == [("new-1", True), ("new-1", True)]
    assert "permits" in " ".join(suggestions[0].reason).split()


def test_new_group_ids_never_clash_with_an_existing_theme():
    engine = TfidfEngine()
    engine.fit([Doc(1, "Supervision cancelled", label="new-1"), *PARKING])

    assert {s.label for s in engine.suggest(PARKING)} == {"new-2"}


def test_reasons_are_whole_words_from_the_issue(sample):
    engine = TfidfEngine()
    docs = labelled_docs(sample, unlabelled=frozenset(range(0, 45, 5)))
    engine.fit(docs)

    for doc, suggestion in zip(docs[::5], engine.suggest(docs[::5]), strict=True):
        assert isinstance(suggestion, Suggestion)
        assert suggestion.reason, f"no reason for {doc.key}"
        words = set(re.findall(r"\w+", doc.text.lower()))
        for term in suggestion.reason:
            assert set(term.split()) <= words, f"{term!r} is not from issue {doc.key}"


def test_without_any_labels_categories_are_used_as_weak_labels(sample):
    engine = TfidfEngine()
    docs = labelled_docs(sample, unlabelled=frozenset(range(len(sample))))
    engine.fit(docs)

    categories = {issue["category"] for issue in sample}
    assert {s.label for s in engine.suggest(docs[:10])} <= categories


def test_suggest_groups_for_ignores_input_themes_and_learns_from_examples(sample):
    inputs, examples = sample[::3], [x for i, x in enumerate(sample) if i % 3]
    scrambled = [{**issue, "theme": "wrong"} for issue in inputs]

    results = suggest_groups_for(inputs, examples)
    assert suggest_groups_for(scrambled, examples) == results
    themes = {issue["theme"] for issue in examples}
    assert all(
        r["suggested_group"] in themes or r["suggested_group"].startswith("new-") for r in results
    )
    assert [r["index"] for r in results] == list(range(len(inputs)))


# --- registry ------------------------------------------------------------------------------
