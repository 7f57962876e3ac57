"""forum_app is the base every app builds on: it imports no feature app, and each app adds
its part (retention rules, personal data, digest sources) by registering in ``ready``."""

import ast
from pathlib import Path

from forum_app import demo, personal_data

ROOT = Path(__file__).resolve().parents[2]
FEATURE_APPS = {"issues", "meetings", "escalations", "summaries", "bench"}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & FEATURE_APPS


def test_forum_app_imports_no_feature_app():
    offenders = {
        path.relative_to(ROOT).as_posix(): sorted(imported_apps(path))
        for path in (ROOT / "forum_app").rglob("*.py")
        if imported_apps(path)
    }
    assert offenders == {}


def test_every_app_registers_its_part_of_a_persons_data():
    assert list(personal_data._parts) == [
        "account",
        "issues",
        "meetings",
        "escalations",
        "summaries",
    ]


def test_every_app_adds_its_demo_data_in_the_cycles_order():
    assert [seeder.__module__ for seeder in demo.demo_seeders()] == [
        "issues.demo",
        "meetings.demo",
        "escalations.demo",
        "summaries.demo",
    ]
