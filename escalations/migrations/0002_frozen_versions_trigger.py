"""On PostgreSQL, refuse UPDATE and DELETE of sent brief versions in the database itself."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION escalations_briefversion_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'A sent version of a brief cannot be changed or deleted.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER escalations_briefversion_frozen
    BEFORE UPDATE OR DELETE ON escalations_briefversion
    FOR EACH ROW EXECUTE FUNCTION escalations_briefversion_frozen();
"""

DROP = """
DROP TRIGGER IF EXISTS escalations_briefversion_frozen ON escalations_briefversion;
DROP FUNCTION IF EXISTS escalations_briefversion_frozen();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("escalations", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
