"""The deployment files stay valid: compose file, env example, Dockerfile."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_is_valid_and_has_the_whole_stack():
    command = compose_command()
    require_service(command is not None, "docker compose (or docker-compose) to read the file")
    env = {**os.environ, "SECRET_KEY": "s" * 64, "BRIEF_SIGNING_KEY": "a" * 43 + "="}
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--services"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    services = set(result.stdout.split())
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= services


def test_compose_refuses_to_start_without_a_secret_key():
    command = compose_command()
    require_service(command is not None, "docker compose (or docker-compose) to read the file")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["BRIEF_SIGNING_KEY"] = "a" * 43 + "="
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", ["DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY"])
def test_env_example_documents_the_main_settings(name):
    assert f"\n{name}=" in (ROOT / ".env.example").read_text()


def test_compose_refuses_to_start_without_a_brief_signing_key():
    command = compose_command()
    require_service(command is not None, "docker compose (or docker-compose) to read the file")
    env = {k: v for k, v in os.environ.items() if k != "BRIEF_SIGNING_KEY"}
    env["SECRET_KEY"] = "s" * 64
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "BRIEF_SIGNING_KEY" in result.stderr
