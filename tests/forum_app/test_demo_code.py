"""`manage.py demo_code` works as the README says, on a fresh copy with nothing set.

The README tells convenors, stewards and leaders of the demo to run
`.venv/bin/python manage.py demo_code` in another terminal while `make run` serves the
demo. That terminal has no variables set, so the test runs the command exactly so: in a
fresh copy of the project, in a clean environment.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value

ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = (".venv", "var", ".git", "staticfiles", "__pycache__", "*.egg-info", ".pytest_cache")


def clean_environment() -> dict[str, str]:
    """What a new terminal has: a PATH and a HOME, and nothing of the project's."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}


def manage(copy: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=copy,
        env={**clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_code_prints_the_demo_codes_with_no_variables_set(tmp_path):
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*LEFT_OUT))
    secret = generate_totp_secret()
    # What `make run` does first (it sets DEBUG=1 for the server it starts): a database with
    # a demo convenor who uses two-factor authentication.
    made = manage(copy, "migrate", "--noinput", "-v", "0", DEBUG="1")
    assert made.returncode == 0, made.stderr
    create = (
        "from allauth.mfa.totp.internal.auth import TOTP; "
        "from forum_app.models import User; "
        "user = User.objects.create_user('convenor@demo.example', 'x', display_name='Demo'); "
        f"TOTP.activate(user, '{secret}')"
    )
    made = manage(copy, "shell", "-c", create, DEBUG="1")
    assert made.returncode == 0, made.stderr

    before = int(time.time()) // 30
    result = manage(copy, "demo_code")
    after = int(time.time()) // 30

    assert result.returncode == 0, result.stderr
    found = re.search(r"convenor@demo\.example\s+(\d{6})", result.stdout)
    assert found, result.stdout
    valid = {format_hotp_value(hotp_value(secret, c)) for c in range(before, after + 1)}
    assert found.group(1) in valid


def test_demo_code_still_refuses_where_debug_is_switched_off(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_code"],
        cwd=ROOT,
        env={
            **clean_environment(),
            "DEBUG": "0",
            "SECRET_KEY": "k" * 64,
            "BRIEF_SIGNING_KEY": "a" * 43 + "=",
            "VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "demo_code works only with DEBUG=1" in result.stderr


def test_the_readme_s_other_local_commands_work_with_no_variables_set(tmp_path):
    """`create_forum` and `similarity_report` are typed in a new terminal too."""
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*LEFT_OUT))
    made = manage(copy, "migrate", "--noinput", "-v", "0", DEBUG="1")
    assert made.returncode == 0, made.stderr

    created = manage(copy, "create_forum", "Adults' Forum", "adults", "lead@council.example")
    assert created.returncode == 0, created.stderr
    report = manage(copy, "similarity_report", "--help")
    assert report.returncode == 0, report.stderr


def test_a_deployment_s_settings_are_not_replaced_by_the_local_default(tmp_path):
    result = manage(
        ROOT,
        "create_forum",
        "Adults' Forum",
        "adults",
        "lead@council.example",
        SECRET_KEY="short",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 random characters" in result.stderr
