"""A full-text GIN index on PostgreSQL, and the standard lists for forums that exist already."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

INDEX_NAME = "issue_search"
SAFETY_CATEGORY = "Personal safety"
# The standard lists as they were when this migration was written (issues/defaults.py now).
CATEGORIES = [
    "Caseloads and workload",
    "IT and recording systems",
    SAFETY_CATEGORY,
    "Supervision",
    "Equipment and office",
    "Admin and business support",
    "Wellbeing and emotional support",
    "Panels and sign-off",
    "Training and development",
    "Recruitment and retention",
]
SERVICE_AREAS = [
    "Children and families",
    "Adults",
    "Mental health",
    "Leaving care",
    "Disabled children",
    "Hospital discharge",
]


def _index():
    from issues.models import search_vector

    return GinIndex(search_vector(), name=INDEX_NAME)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("issues", "Issue"), _index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("issues", "Issue"), _index())


def add_default_lists(apps, schema_editor):
    Forum = apps.get_model("forum_app", "Forum")
    Category = apps.get_model("issues", "Category")
    ServiceArea = apps.get_model("issues", "ServiceArea")
    for forum in Forum.objects.all():
        if not Category.objects.filter(forum=forum).exists():
            for position, name in enumerate(CATEGORIES):
                Category.objects.create(
                    forum=forum, name=name, position=position, is_safety=name == SAFETY_CATEGORY
                )
        if not ServiceArea.objects.filter(forum=forum).exists():
            for position, name in enumerate(SERVICE_AREAS):
                ServiceArea.objects.create(forum=forum, name=name, position=position)


class Migration(migrations.Migration):
    dependencies = [("issues", "0001_initial")]

    operations = [
        migrations.RunPython(add_search_index, remove_search_index),
        migrations.RunPython(add_default_lists, migrations.RunPython.noop),
    ]
