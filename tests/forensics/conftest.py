"""The adversary's tools: read the database as whoever runs the server can, after the fact.

Every test here runs on PostgreSQL with real commits. ``heap`` reads every version of every
row of a table straight from its pages with the ``pageinspect`` extension: live rows and the
old versions an UPDATE or DELETE leaves on disk until vacuum, each with the transaction that
wrote it (``xmin``) and the one that replaced it (``xmax``).
"""

import struct
from dataclasses import dataclass

import pytest
from django.core.management.color import no_style
from django.db import connection

from tests.conftest import require_service, truncate_sql
from tests.issues.conftest import lists  # noqa: F401 — the forum's categories, as a fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@dataclass(frozen=True)
class Version:
    """One version of a row as it lies on disk."""

    xmin: int
    xmax: int
    values: dict[str, object]


@pytest.fixture(autouse=True)
def _fresh_files(transactional_db):
    """Start from tables with fresh files. Other tests empty tables with DELETE (quicker; see
    tests/conftest.py), which leaves their rows on disk as old versions: an attack reading the
    pages would find them, and their vacuumed TOAST chunks could not be read."""
    if connection.vendor != "postgresql":
        return
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        for sql in truncate_sql(connection.ops, no_style(), tables, allow_cascade=True):
            cursor.execute(sql)


@pytest.fixture
def pageinspect(transactional_db):
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        # Connections an earlier test left open could hold old row versions on disk.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    yield heap
    # Leave the database as the app has it: a dump of it is restored by a role that may not
    # create extensions (tests/test_backup_restore.py).
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION IF EXISTS pageinspect")


def _decode(kind: str, raw: bytes | None):
    if raw is None:
        return None
    raw = bytes(raw)
    if kind == "int2":
        return struct.unpack("<h", raw[:2])[0]
    if kind == "int4":
        return struct.unpack("<i", raw[:4])[0]
    if kind == "int8":
        return struct.unpack("<q", raw[:8])[0]
    if kind == "bool":
        return raw[:1] == b"\x01"
    if kind == "uuid":
        return raw.hex()
    return raw  # variable length values come decompressed, without their header


def heap(table: str) -> list[Version]:
    """Every version of every row of ``table`` on disk, live or dead, in physical order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [table],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", [table]
        )
        (pages,) = cursor.fetchone()
        versions = []
        for page in range(pages):
            cursor.execute(
                "SELECT t_xmin, t_xmax, t_attrs FROM heap_page_item_attrs("
                "get_raw_page(%s, %s), %s::regclass, true) WHERE t_xmin IS NOT NULL ORDER BY lp",
                [table, page, table],
            )
            for xmin, xmax, attrs in cursor.fetchall():
                values = {
                    name: _decode(kind, attrs[i] if attrs and i < len(attrs) else None)
                    for i, (name, kind) in enumerate(columns)
                }
                versions.append(Version(int(xmin), int(xmax), values))
    return versions


def xmins(table: str, column: str = "id") -> dict[object, int]:
    """What a plain dump shows: each live row's key and the transaction that wrote it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column}, xmin::text::bigint FROM {table}")  # noqa: S608
        return dict(cursor.fetchall())


def current_xid() -> int:
    """A new transaction id, as row headers show it (the low 32 bits)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0] & 0xFFFFFFFF


def user_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE relkind = 'r' AND nspname = 'public' ORDER BY relname"
        )
        return [row[0] for row in cursor.fetchall()]


def written_between(low: int, high: int) -> dict[str, int]:
    """Row versions, live or dead, in every table, written by a transaction in [low, high]."""
    found = {}
    for table in user_tables():
        count = sum(1 for v in heap(table) if low <= v.xmin <= high)
        if count:
            found[table] = count
    return found
