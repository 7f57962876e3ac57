"""What the similarity engine learns from convenors' themes, and how it explains and names."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from issues.similarity import Doc, TfidfEngine
from issues.similarity.naming import group_name
from issues.similarity.vectors import GENERIC_WORDS, STOP_WORDS

GROUPED = [
    Doc("t1", "Pool cars are booked solid on Thursdays", label="travel"),
    Doc("t2", "Mileage claims for home visits paid months late", label="travel"),
    Doc("t3", "No pool car for visits, so I drive my own car and claim mileage", label="travel"),
    Doc("s1", "Supervision cancelled again as my manager had visits to cover", label="sup"),
    Doc("s2", "Supervision never happens, my manager cancels it", label="sup"),
    Doc("s3", "No reflective supervision for months", label="sup"),
]


def test_an_issue_in_the_theme_the_text_belongs_to_ranks_above_a_closer_wording():
    engine = TfidfEngine()
    engine.fit(GROUPED)

    matches = engine.similar("Cover visits far away, claim it back", k=2)

    # On words alone "cover visits" (supervision) wins; the travel theme teaches otherwise.
    assert [match.key for match in matches] == ["t3", "s1"]


def test_without_themes_similarity_is_the_words_alone():
    unlabelled = [Doc(doc.key, doc.text) for doc in GROUPED]
    engine = TfidfEngine()
    engine.fit(unlabelled)

    matches = engine.similar("Cover visits far away, claim it back", k=2)

    assert [match.key for match in matches] == ["s1", "t3"]


def test_a_near_copy_keeps_its_lead_over_its_theme():
    engine = TfidfEngine()
    engine.fit(GROUPED)

    [best, *_] = engine.similar("Supervision cancelled again, my manager had visits to cover")

    assert best.key == "s1"


def test_the_temperature_is_learned_from_the_grouped_issues_and_is_deterministic():
    first, second = TfidfEngine(), TfidfEngine()
    first.fit(GROUPED)
    second.fit(list(reversed(GROUPED)))

    assert first.temperature == second.temperature
    query = "Mileage and pool cars"
    assert first.similar(query) == second.similar(query)
    assert first.suggest([Doc("x", query)]) == second.suggest([Doc("x", query)])


TRAVEL, SUPERVISION = "Travel and mileage", "Supervision"
TRAVEL_ISSUES = [
    ("t1", "Pool cars are booked solid on Thursdays"),
    ("t2", "Mileage claims for home visits paid months late"),
    ("t3", "No pool car for visits, so I drive my own car"),
    ("t4", "Parking at the hospital costs us every visit"),
]
SUPERVISION_ISSUES = [
    ("s1", "Supervision cancelled again as my manager was busy"),
    ("s2", "Supervision never happens, my manager cancels it"),
    ("s3", "No reflective supervision for months"),
    ("s4", "Supervision notes never written up"),
]
# Its words lean a little towards supervision; the poster's category can tip it.
AMBIGUOUS = "Supervision about visits by car"


def suggested_theme(engine: TfidfEngine, category: str) -> str:
    [suggestion] = engine.suggest([Doc("new", AMBIGUOUS, category)])
    return suggestion.label


def test_a_category_that_has_matched_its_theme_settles_an_ambiguous_text():
    engine = TfidfEngine()
    engine.fit(
        [Doc(key, text, TRAVEL, "travel") for key, text in TRAVEL_ISSUES]
        + [Doc(key, text, SUPERVISION, "sup") for key, text in SUPERVISION_ISSUES]
    )

    assert engine.category_evidence > 0
    assert suggested_theme(engine, TRAVEL) == "travel"
    assert suggested_theme(engine, SUPERVISION) == "sup"


def test_a_category_posters_file_everything_under_does_not_decide_the_theme():
    # In this forum most supervision problems were filed under travel, the first entry of
    # the drop-down: choosing it says little, and the words should decide.
    categories = [TRAVEL, TRAVEL, TRAVEL, SUPERVISION]
    engine = TfidfEngine()
    engine.fit(
        [Doc(key, text, TRAVEL, "travel") for key, text in TRAVEL_ISSUES]
        + [
            Doc(key, text, category, "sup")
            for (key, text), category in zip(SUPERVISION_ISSUES, categories, strict=True)
        ]
    )

    assert suggested_theme(engine, TRAVEL) == "sup"
    assert suggested_theme(engine, "") == "sup"


def test_themes_of_wordless_issues_leave_new_issues_to_new_groups():
    engine = TfidfEngine()
    engine.fit([Doc(1, "", label="a"), Doc(2, "the and", "Travel", label="b")])

    suggestions = engine.suggest([Doc("x", "Pool cars booked"), Doc("y", "Pool cars gone")])

    assert {s.label for s in suggestions} == {"new-1"}
    assert all(s.is_new for s in suggestions)


def test_reasons_never_show_everyday_words():
    engine = TfidfEngine()
    engine.fit(
        [
            Doc(1, "We use the day left over for interpreters, and used it again"),
            Doc(2, "Interpreters booked; the day left is used up"),
        ]
    )

    [match] = engine.similar("The day we left, interpreters were used", exclude=None, k=1)

    assert match.shared_terms
    for term in match.shared_terms:
        assert not set(term.split()) & GENERIC_WORDS, term
    assert "interpreters" in " ".join(match.shared_terms)


def test_reasons_never_show_contractions_or_a_word_most_issues_use():
    # "team" is in every issue of this forum: it says nothing about why two issues match.
    docs = [Doc(i, f"Our team {topic}. I've asked twice.") for i, topic in enumerate(TOPICS)]
    engine = TfidfEngine()
    engine.fit(docs)

    [match] = engine.similar("The team's interpreters: I've asked for them", exclude=None, k=1)

    assert match.key == 0
    assert match.shared_terms
    for term in match.shared_terms:
        assert not set(term.split()) & (STOP_WORDS | {"team"}), term


TOPICS = [
    "waits for interpreters",
    "lost its pool cars",
    "has no supervision",
    "laptops freeze",
    "court bundles are late",
    "cannot find foster placements",
    "needs a duty rota",
    "has panel delays",
    "misses training",
    "lacks business support",
    "faces hospital discharge pressure",
    "has agency staff leaving",
    "works alone at night",
    "has no office space",
    "has burnout",
    "mileage claims unpaid",
    "reception unsafe",
    "recording system slow",
    "caseloads over 30",
    "EDT cover thin",
    "phones broken",
]


def test_a_reason_is_not_repeated_in_the_plural():
    engine = TfidfEngine()
    engine.fit(
        [
            Doc(1, "Two posts vacant in the team. The post of manager is empty too"),
            Doc(2, "Parking permits withdrawn at Northgate"),
            Doc(3, "No post since April"),
            Doc(4, "Agency posts everywhere"),
        ]
    )

    [match] = engine.similar("Vacant posts; every post empty", k=1)

    assert match.shared_terms == ("vacant", "post")


def test_a_new_group_is_named_from_the_phrase_its_issues_share():
    engine = TfidfEngine()  # a new forum: nothing fitted yet
    parking = [
        Doc("p1", "Parking permits withdrawn at Northgate\nWe drive round for a space."),
        Doc("p2", "Nowhere to park since parking permits went\nLate for every appointment."),
        Doc("p3", "Parking permits: the car park is full by nine\nWe lose an hour a day."),
    ]

    suggestions = engine.suggest(parking)

    assert {s.label for s in suggestions} == {"new-1"}
    assert {s.name for s in suggestions} == {"Parking permits"}


def test_a_name_is_never_a_single_word_and_keeps_acronyms():
    texts = [
        "BSL interpreters need ten days' notice\nDeaf parents wait.",
        "No BSL interpreters for the conference\nWe passed notes instead.",
    ]

    name = group_name(texts)

    assert name == "BSL interpreters"
    assert len(name.split()) >= 2


def test_a_name_is_not_a_phrase_cut_short_nor_one_the_whole_forum_uses():
    texts = [
        "Hospital social workers have nowhere to park\nSocial worker visits run late.",
        "Hospital social workers lose an hour finding a space\nSocial worker notes wait.",
    ]
    everywhere = {"social worker": 40, "hospital social": 2, "social workers": 2}

    name = group_name(texts, used_by=everywhere.get)

    assert name.startswith("Hospital social workers"), name


def test_a_group_of_one_issue_is_named_after_its_title():
    texts = [
        "Pressure to discharge is causing burnout\nDaily calls from the ward; burnout is "
        "spreading through the team."
    ]

    assert group_name(texts) == "Pressure to discharge is causing burnout"


def test_a_group_with_no_shared_phrase_is_named_after_its_central_title():
    texts = ["Heating broken in the Eastgate office\nIt is cold.", "Kettle gone missing\nNo tea."]

    assert group_name(texts, central=0) == "Heating broken in the Eastgate office"
    assert group_name(["...\n"]) == ""


# --- similarity_report ---------------------------------------------------------------------


def labelled_file(tmp_path, issues) -> str:
    path = tmp_path / "labelled.json"
    path.write_text(json.dumps({"issues": issues}), encoding="utf-8")
    return str(path)


@pytest.fixture
def small_history(tmp_path):
    issues = [
        {"id": 1, "title": "Pool cars booked solid", "body": "No car on Thursdays.", "theme": "t"},
        {"id": 2, "title": "Mileage paid late", "body": "Mileage claims wait weeks.", "theme": "t"},
        {"id": 3, "title": "No pool car again", "body": "Pool cars all booked.", "theme": "t"},
        {"id": 4, "title": "Supervision cancelled", "body": "My manager cancels.", "theme": "s"},
        {"id": 5, "title": "No supervision", "body": "Supervision never happens.", "theme": "s"},
        {
            "id": 6,
            "title": "Supervision cancelled by my manager",
            "body": "Cancelled again.",
            "theme": "s",
            "duplicate_of": 4,
        },
    ]
    return labelled_file(tmp_path, issues)


def test_similarity_report_prints_the_figures_with_and_without_themes(small_history):
    out = StringIO()

    call_command("similarity_report", small_history, stdout=out)

    text = out.getvalue()
    assert "6 issues, 2 themes, 1 duplicate pairs; leave-one-out" in text
    assert re.search(r"suggested theme right\s+\d\.\d\d", text)
    assert re.search(r"top similar issue in the same theme\s+\d\.\d\d\s+\d\.\d\d", text)
    assert re.search(r"duplicates found first\s+1 of 1\s+1 of 1", text)
    assert re.search(r"^s\s+3\s+\d\.\d\d", text, re.MULTILINE)
    assert re.search(r"^t\s+3\s+\d\.\d\d", text, re.MULTILINE)


def test_similarity_report_needs_a_theme_on_every_issue(tmp_path):
    path = labelled_file(tmp_path, [{"title": "Pool cars", "theme": "t"}, {"title": "No theme"}])

    with pytest.raises(CommandError, match="Issue 2 has no theme"):
        call_command("similarity_report", path, stdout=StringIO())


def test_similarity_report_on_a_missing_or_empty_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read the data file"):
        call_command("similarity_report", str(tmp_path / "none.json"), stdout=StringIO())
    with pytest.raises(CommandError, match="holds no issues"):
        call_command("similarity_report", labelled_file(tmp_path, []), stdout=StringIO())
