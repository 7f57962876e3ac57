"""The documented backup (pg_dump -Fc) restores into an empty database with nothing lost.

Follows docs/operations.md: dump the live database in custom format, restore it into a new
database, and check every table's rows and every sent brief's fingerprint.
"""

import hashlib
import os
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from issues.models import Support
from tests.conftest import require_service
from tests.escalations.world import sent_brief
from tests.factories import CommentFactory, IssueFactory

pytestmark = pytest.mark.services


def _conninfo(dbname: str) -> dict:
    params = connection.get_connection_params()
    return {k: params[k] for k in ("host", "port", "user", "password") if params.get(k)} | {
        "dbname": dbname
    }


def _pg_args() -> list[str]:
    params = connection.get_connection_params()
    args = ["--no-password"]
    if params.get("host"):
        args += ["-h", str(params["host"])]
    if params.get("port"):
        args += ["-p", str(params["port"])]
    if params.get("user"):
        args += ["-U", params["user"]]
    return args


def _env() -> dict:
    password = connection.get_connection_params().get("password")
    return os.environ | ({"PGPASSWORD": password} if password else {})


def _row_counts(dbname: str) -> dict[str, int]:
    with psycopg.connect(**_conninfo(dbname)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


@pytest.fixture
def restore_target(postgres):
    name = f"swf_restore_{uuid.uuid4().hex[:12]}"
    admin = _conninfo("postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.mark.django_db(transaction=True)
def test_dump_restores_every_row_and_every_brief_fingerprint(
    postgres, forum, member, convenor, leader, restore_target, tmp_path
):
    require_service(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump")
    brief = sent_brief(forum, convenor, leader)
    issue = IssueFactory(forum=forum, author=member)
    CommentFactory(issue=issue, author=convenor)
    Support.objects.create(issue=issue, user=convenor)
    live = connection.settings_dict["NAME"]
    dump = tmp_path / "forum.dump"

    subprocess.run(
        ["pg_dump", "-Fc", *_pg_args(), "-d", live, "-f", str(dump)],
        check=True,
        env=_env(),
        capture_output=True,
    )
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            *_pg_args(),
            "-d",
            restore_target,
            str(dump),
        ],
        check=True,
        env=_env(),
        capture_output=True,
    )

    before, after = _row_counts(live), _row_counts(restore_target)
    assert after == before
    assert before["escalations_briefversion"] >= 1 and before["issues_comment"] >= 1
    with psycopg.connect(**_conninfo(restore_target)) as conn:
        versions = conn.execute(
            "SELECT brief_id, sha256, pdf FROM escalations_briefversion"
        ).fetchall()
    assert brief.pk in {brief_id for brief_id, _, _ in versions}
    for _, sha256, pdf in versions:
        assert bytes(pdf).startswith(b"%PDF")
        assert hashlib.sha256(bytes(pdf)).hexdigest() == sha256
