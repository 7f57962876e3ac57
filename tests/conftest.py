"""Shared fixtures: the personas every test talks about, and service checks."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.test import Client

from forum_app.celery import app as celery_app
from forum_app.models import Role
from issues import waiting_room
from tests.factories import ForumFactory, MembershipFactory, with_totp


def pytest_configure(config: pytest.Config) -> None:
    # With several workers (pytest-xdist), hand out tests a few at a time: given its default
    # large batches, one worker can end up holding many long browser tests while the other,
    # done, waits.
    if config.getoption("maxschedchunk", default="no xdist") is None:
        config.option.maxschedchunk = 4


def _delete_instead_of_truncate(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """Empty the tables with DELETE, which on PostgreSQL takes a tenth of TRUNCATE's time.

    Tests that use a live server or real transactions empty every table after them; the tables
    hold a few rows, where TRUNCATE's cost (new files for every table and index) dominates.
    Foreign keys are checked at commit, when every table is empty; the tables' own triggers
    (a sent brief version refuses DELETE) are off while they are emptied, as TRUNCATE skips them.
    """
    if reset_sequences or not tables:
        return truncate_sql(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    with self.connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND c.relname = ANY(%s)",
            [list(tables)],
        )
        with_triggers = sorted(row[0] for row in cursor.fetchall())
    quoted = {table: self.quote_name(table) for table in tables}
    return [
        "SET CONSTRAINTS ALL DEFERRED;",
        *(f"ALTER TABLE {quoted[table]} DISABLE TRIGGER USER;" for table in with_triggers),
        *(f"DELETE FROM {quoted[table]};" for table in tables),
        "SET CONSTRAINTS ALL IMMEDIATE;",
        *(f"ALTER TABLE {quoted[table]} ENABLE TRIGGER USER;" for table in with_triggers),
    ]


truncate_sql = PostgresOperations.sql_flush  # Django's own: TRUNCATE


@pytest.fixture(scope="session", autouse=True)
def _quick_flush():
    PostgresOperations.sql_flush = _delete_instead_of_truncate
    yield
    PostgresOperations.sql_flush = truncate_sql


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Unit and integration tests run tasks in-process; worker tests start real workers."""
    celery_app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True)
def _empty_waiting_room():
    """Anonymous posts waiting to appear belong to the test that sent them."""
    waiting_room.room().clear()
    yield
    waiting_room.room().clear()


def require_service(available: bool, what: str) -> None:
    """Skip a test whose service is missing, or fail it when REQUIRE_SERVICES is set (CI)."""
    if available:
        return
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available.")
    pytest.skip(f"needs {what}")


@pytest.fixture
def postgres(db):
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def forum(db):
    return ForumFactory(name="Children's Practitioner Forum", slug="childrens")


@pytest.fixture
def other_forum(db):
    return ForumFactory(name="Adults' Practitioner Forum", slug="adults")


def _person(forum, role: str, mfa: bool):
    membership = MembershipFactory(forum=forum, role=role)
    if mfa:
        with_totp(membership.user)
    return membership.user


@pytest.fixture
def member(forum):
    return _person(forum, Role.MEMBER, mfa=False)


@pytest.fixture
def convenor(forum):
    return _person(forum, Role.CONVENOR, mfa=True)


@pytest.fixture
def steward(forum):
    return _person(forum, Role.STEWARD, mfa=True)


@pytest.fixture
def leader(forum):
    return _person(forum, Role.LEADER, mfa=True)


@pytest.fixture
def outsider(other_forum):
    """A member of another forum."""
    return _person(other_forum, Role.MEMBER, mfa=False)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
