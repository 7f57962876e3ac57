"""Store each issue's full-text document, so search reads a GIN index instead of the texts.

On PostgreSQL a trigger fills ``search_document`` from the texts whenever a row is
inserted or its texts are written, whichever code writes it (bulk inserts included), and
the GIN index ``issue_search`` moves from the computed expression to the stored column.
Other databases keep the column empty. ``issue_newest`` serves the list's default order.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

import issues.models

INDEX_NAME = "issue_search"
DOCUMENT = (
    "to_tsvector('english'::regconfig, COALESCE(NEW.title, '') || ' ' || COALESCE(NEW.body, '')"
    " || ' ' || COALESCE(NEW.impact, '') || ' ' || COALESCE(NEW.proposed_solution, ''))"
)
FORWARD = [
    f"DROP INDEX IF EXISTS {INDEX_NAME}",
    f"""
    CREATE FUNCTION issues_issue_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := {DOCUMENT};
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER issue_search_document
    BEFORE INSERT OR UPDATE OF title, body, impact, proposed_solution, search_document
    ON issues_issue FOR EACH ROW EXECUTE FUNCTION issues_issue_search_document()
    """,
    # Writing the column fires the trigger, which computes each existing row's document.
    "UPDATE issues_issue SET search_document = NULL",
    f"CREATE INDEX {INDEX_NAME} ON issues_issue USING gin (search_document)",
]
BACKWARD = [
    f"DROP INDEX IF EXISTS {INDEX_NAME}",
    "DROP TRIGGER IF EXISTS issue_search_document ON issues_issue",
    "DROP FUNCTION IF EXISTS issues_issue_search_document()",
]


def store_documents(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def compute_documents(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)
        index = GinIndex(issues.models.search_vector(), name=INDEX_NAME)
        schema_editor.add_index(apps.get_model("issues", "Issue"), index)


class Migration(migrations.Migration):
    dependencies = [("issues", "0002_search_index_and_default_lists")]

    operations = [
        migrations.AddField(
            model_name="issue",
            name="search_document",
            field=issues.models.SearchDocumentField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(store_documents, compute_documents),
        migrations.AddIndex(
            model_name="issue",
            index=models.Index(
                models.F("forum"),
                models.OrderBy(models.F("raised_on"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("merged_into", None)),
                name="issue_newest",
            ),
        ),
    ]
