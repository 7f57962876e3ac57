"""Print how well the similarity engine does on a labelled file of issues."""

from django.core.management.base import BaseCommand, CommandError

from issues.management.commands.suggest_groups import load_issues
from issues.similarity.report import evaluate, format_figures


class Command(BaseCommand):
    help = (
        "Measure the similarity engine on DATA, a JSON file of issues that each have a "
        "'theme' (and may have 'duplicate_of', the id of an earlier issue it repeats). Each "
        "issue in turn is treated as new while the others keep their themes; prints the "
        "suggested theme accuracy, how often the most similar issue is in the same theme, "
        "duplicates found first and in the top 3, the same with no themes known, and the "
        "figures per theme."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("data", metavar="DATA", help="JSON file of issues with themes.")

    def handle(self, *args, **options):
        issues = load_issues(options["data"], "data")
        if not issues:
            raise CommandError(f"The data file {options['data']!r} holds no issues.")
        try:
            figures = evaluate(issues)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(format_figures(figures))
