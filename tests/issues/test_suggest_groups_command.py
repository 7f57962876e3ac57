"""The suggest_groups management command: output shape and clear errors (no database)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SAMPLE = Path(__file__).resolve().parents[2] / "forum_app" / "demo" / "sample_issues.json"


@pytest.fixture
def files(tmp_path):
    """Write every third sample issue as INPUT and the rest as EXAMPLES."""
    issues = json.loads(SAMPLE.read_text(encoding="utf-8"))["issues"]
    inputs, examples = issues[::3], [x for i, x in enumerate(issues) if i % 3]
    paths = {"input": tmp_path / "input.json", "examples": tmp_path / "examples.json"}
    paths["input"].write_text(json.dumps({"issues": inputs}), encoding="utf-8")
    paths["examples"].write_text(json.dumps({"issues": examples}), encoding="utf-8")
    return paths, inputs, examples


def run(*args, **options) -> list[dict]:
    out = StringIO()
    call_command("suggest_groups", *[str(arg) for arg in args], stdout=out, **options)
    return json.loads(out.getvalue())


def test_prints_one_suggestion_per_input_issue_with_three_other_similar_issues(files):
    paths, inputs, examples = files

    results = run(paths["input"], examples=str(paths["examples"]))

    assert [r["index"] for r in results] == list(range(len(inputs)))
    themes = {issue["theme"] for issue in examples}
    for result, issue in zip(results, inputs, strict=True):
        assert set(result) == {"index", "title", "suggested_group", "similar", "reason"}
        assert result["title"] == issue["title"]
        assert result["suggested_group"] in themes or result["suggested_group"].startswith("new-")
        assert len(result["similar"]) == 3
        assert result["index"] not in result["similar"]
        assert all(0 <= i < len(inputs) for i in result["similar"])
        assert all(isinstance(term, str) and term for term in result["reason"])


def test_learns_the_examples_themes_for_most_input_issues(files):
    paths, inputs, _ = files

    results = run(paths["input"], examples=str(paths["examples"]), engine="tfidf")

    right = sum(
        r["suggested_group"] == issue["theme"] for r, issue in zip(results, inputs, strict=True)
    )
    assert right / len(inputs) >= 0.85


def test_themes_in_the_input_file_are_ignored(files, tmp_path):
    paths, inputs, _ = files
    relabelled = tmp_path / "relabelled.json"
    relabelled.write_text(json.dumps([{**x, "theme": "panels"} for x in inputs]), encoding="utf-8")

    assert run(relabelled, examples=str(paths["examples"])) == run(
        paths["input"], examples=str(paths["examples"])
    )


def test_without_examples_groups_are_categories_or_new(files):
    paths, inputs, _ = files

    results = run(paths["input"])

    allowed = {issue["category"] for issue in inputs}
    assert all(
        r["suggested_group"] in allowed or r["suggested_group"].startswith("new-") for r in results
    )


def test_missing_file_is_a_clear_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read the input file"):
        run(tmp_path / "missing.json")


def test_bad_json_is_a_clear_command_error(files, tmp_path):
    paths, _, _ = files
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")

    with pytest.raises(CommandError, match="examples file .* is not valid JSON"):
        run(paths["input"], examples=str(broken))


def test_json_without_issues_is_a_clear_command_error(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"issues": "none"}), encoding="utf-8")

    with pytest.raises(CommandError, match="must hold a list of issues"):
        run(odd)


def test_unknown_engine_is_a_clear_command_error(files):
    paths, _, _ = files

    with pytest.raises(CommandError, match="Unknown engine 'bert'.*tfidf"):
        run(paths["input"], engine="bert")
