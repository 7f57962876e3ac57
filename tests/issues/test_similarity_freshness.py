"""Similar issues stay fresh: every write that changes what they learn from refits them.

The forum's vectors are marked stale in one place (``similar.watch``: saving or deleting an
issue, a theme or an issue's place in a theme), so no write path can forget. A queryset
``update`` or ``bulk_*`` call sends no signal: the last test finds any such write to those
models and fails unless it is known to be harmless or covered.
"""

import ast
from pathlib import Path

import pytest

from issues import similar
from issues.models import Issue
from meetings.models import Theme, ThemeIssue
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
WATCHED = {"Issue", "Theme", "ThemeIssue"}
# Bulk writes to watched models that need no signal of their own, and why.
KNOWN_BULK_WRITES = {
    ("meetings/services/themes.py", "ThemeIssue.objects.filter(theme=source).update"): (
        "the merge saves the source theme in the same transaction"
    ),
    (
        "meetings/services/themes.py",
        "ThemeIssue.objects.filter(theme=theme, issue__in=chosen).update",
    ): "the split creates the new theme in the same transaction",
}


@pytest.fixture
def stale(monkeypatch) -> list[int]:
    """The forum ids marked stale, one entry per committed write."""
    marked: list[int] = []
    monkeypatch.setattr(similar, "_bump", marked.append)
    return marked


def test_saving_an_issue_without_any_service_marks_its_forum_stale(
    forum, stale, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue = IssueFactory(forum=forum)
    assert stale == [forum.pk]

    with django_capture_on_commit_callbacks(execute=True):
        Issue.objects.get(pk=issue.pk).save()
        Issue.objects.filter(pk=issue.pk).delete()
    assert stale == [forum.pk] * 3


def test_moving_an_issue_between_themes_marks_the_forum_stale(
    forum, stale, django_capture_on_commit_callbacks
):
    issue = IssueFactory(forum=forum)
    with django_capture_on_commit_callbacks(execute=True):
        theme = Theme.objects.create(forum=forum, name="Pool cars")
        link = ThemeIssue.objects.create(theme=theme, issue=issue)
        link.delete()
    assert stale == [forum.pk] * 3


def test_a_write_that_is_rolled_back_marks_nothing(
    forum, stale, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        IssueFactory(forum=forum)
    assert stale == []


def _bulk_writes(path: Path):
    """(receiver text, line) of each ``X.objects...update/bulk_*`` call on a watched model."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in {"update", "bulk_update", "bulk_create"}:
            continue
        receiver = node.func.value
        while isinstance(receiver, ast.Call | ast.Attribute):
            receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
        text = ast.unparse(node.func)
        if isinstance(receiver, ast.Name) and receiver.id in WATCHED and ".objects" in text:
            yield text, node.lineno


def test_no_bulk_write_to_an_issue_or_theme_goes_unnoticed():
    found = {}
    apps = [
        folder
        for folder in ROOT.iterdir()
        if (folder / "__init__.py").exists() and folder.name not in {"tests", "bench"}
    ]
    for path in sorted(path for folder in apps for path in folder.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        for text, line in _bulk_writes(path):
            found[(relative, text)] = line

    unknown = {key: line for key, line in found.items() if key not in KNOWN_BULK_WRITES}
    assert not unknown, (
        "A queryset update or bulk write to an issue or theme sends no signal, so similar "
        "issues would not refit: save each object instead, or add it to KNOWN_BULK_WRITES "
        f"saying why it is harmless: {unknown}"
    )
    assert set(KNOWN_BULK_WRITES) <= set(found), "KNOWN_BULK_WRITES lists a write that is gone"
