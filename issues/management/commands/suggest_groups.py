"""Suggest a group for each issue in a JSON file, learning from already grouped examples."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from issues.similarity import suggest_groups_for


def load_issues(path: str, what: str) -> list[dict[str, Any]]:
    """Read the issues from a file in the sample format (or a bare list of issues).

    Raises CommandError with a readable message when the file is missing, is not JSON or
    does not hold a list of issue objects.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"Cannot read the {what} file {path!r}: {error.strerror}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"The {what} file {path!r} is not valid JSON: {error}.") from None
    issues = data.get("issues") if isinstance(data, dict) else data
    if not isinstance(issues, list) or not all(isinstance(issue, dict) for issue in issues):
        raise CommandError(
            f"The {what} file {path!r} must hold a list of issues, "
            'or an object with an "issues" list.'
        )
    return issues


class Command(BaseCommand):
    help = (
        "Suggest a theme for each issue in INPUT (its own 'theme' is ignored), learning from "
        "the themes in EXAMPLES; without examples the posters' categories are used. Prints "
        "JSON: index, title, suggested_group, similar (indices of the most similar other "
        "input issues) and reason (the words behind the suggestion)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("input", metavar="INPUT", help="JSON file of issues to group.")
        parser.add_argument(
            "--examples", metavar="EXAMPLES", help="JSON file of issues already grouped."
        )
        parser.add_argument(
            "--engine",
            default="tfidf",
            help="Kept for existing scripts: tfidf is the only engine.",
        )

    def handle(self, *args, **options):
        if options["engine"] != "tfidf":
            raise CommandError(f"Unknown engine {options['engine']!r}; the only one is tfidf.")
        issues = load_issues(options["input"], "input")
        examples = load_issues(options["examples"], "examples") if options["examples"] else []
        results = suggest_groups_for(issues, examples)
        self.stdout.write(json.dumps(results, indent=2, ensure_ascii=False))
