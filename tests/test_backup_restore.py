"""The documented backup (pg_dump -Fc) restores into an empty database with nothing lost.

Follows docs/operations.md: dump the live database in custom format, restore it into a new
database, and check every table's rows and every sent brief's fingerprint.
"""

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

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


ROOT = Path(__file__).resolve().parents[1]


def documented_restore() -> list[str]:
    """The non-docker restore commands, exactly as docs/operations.md gives them."""
    text = (ROOT / "docs" / "operations.md").read_text()
    section = text.split("### Restoring", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.strip().splitlines()]
    assert [line.split()[0] for line in lines] == ["createdb", "pg_restore"], lines
    return lines


def as_run_here(line: str, *, role: str, database: str, dump: Path) -> list[str]:
    """A documented line with this machine's server, a test role, database and dump file."""
    params = connection.get_connection_params()
    words = shlex.split(
        line.replace("forum_restored", database)
        .replace("forum-2026-11-22.dump", str(dump))
        .replace("-O forum ", f"-O {role} ")
        .replace("--role=forum", f"--role={role}")
    )
    assert "forum" not in words, f"a role or name the test does not know in: {line}"
    at = words.index("DBHOST")
    words[at : at + 1] = [str(params.get("host") or "127.0.0.1")]
    if params.get("port"):
        words[1:1] = ["-p", str(params["port"])]
    return [*words[:1], "--no-password", *words[1:]]


@pytest.fixture
def app_role(postgres):
    """A role like the app's: may log in, is no superuser, owns nothing yet."""
    name = f"swf_app_{uuid.uuid4().hex[:10]}"
    database = f"swf_restore_{uuid.uuid4().hex[:12]}"
    admin = _conninfo("postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER").format(sql.Identifier(name)))
    yield name, database
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.mark.django_db(transaction=True)
def test_the_documented_restore_gives_the_apps_role_its_tables(
    postgres, forum, member, convenor, leader, app_role, tmp_path
):
    require_service(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump")
    role, database = app_role
    sent_brief(forum, convenor, leader)
    IssueFactory(forum=forum, author=member)
    dump = tmp_path / "forum.dump"
    subprocess.run(
        ["pg_dump", "-Fc", *_pg_args(), "-d", connection.settings_dict["NAME"], "-f", str(dump)],
        check=True,
        env=_env(),
        capture_output=True,
    )
    for line in documented_restore():
        subprocess.run(
            as_run_here(line, role=role, database=database, dump=dump),
            check=True,
            env=_env(),
            capture_output=True,
        )

    params = connection.get_connection_params()
    as_app = {"host": params.get("host") or "127.0.0.1", "user": role, "dbname": database}
    as_app |= {"port": params["port"]} if params.get("port") else {}
    with psycopg.connect(**as_app) as conn:
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'i')"
        ).fetchall()
    assert owners == [(role,)]

    # The app itself, connecting as that role: reads, writes, and finds no migration missing.
    url = f"postgres://{role}@{as_app['host']}:{params.get('port') or 5432}/{database}"
    env = os.environ | {"DATABASE_URL": url, "DEBUG": "1", "REDIS_URL": ""}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--check"], check=True, env=env, capture_output=True)
    script = (
        "from forum_app.models import Forum\n"
        "from issues.models import Issue\n"
        "Forum.objects.update(description='Restored')\n"
        "print(Issue.objects.count(), Forum.objects.filter(description='Restored').count())\n"
    )
    done = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", script],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.stdout.split() == ["4", "1"]
