"""Settings come from the environment, fail loudly on bad values and are safe in production."""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from forum_app.env import email_settings, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
ENV_NAMES = (
    "SECRET_KEY",
    "BRIEF_SIGNING_KEY",
    "BRIEF_SIGNING_KEY_FILE",
    "BRIEF_PREVIOUS_PUBLIC_KEYS",
    "DEBUG",
    "DATABASE_URL",
    "EMAIL_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_SERVER_URL",
    "OIDC_PROVIDER_ID",
    "OIDC_NAME",
    # Set by the browser tests for their own process; a deployment must never have it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run_manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with only the given deployment variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "forum_app.settings"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    values = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BRIEF_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "forum.example",
        "SITE_URL": "https://forum.example",
        "CSRF_TRUSTED_ORIGINS": "https://forum.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EMAIL_URL": "smtp://relay.example:25?tls=1",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_yes_no_setting_refuses_a_value_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)
    with pytest.raises(ImproperlyConfigured, match=f"DEBUG must be true or false.*{value}"):
        env_bool("DEBUG")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("YES", True), ("off", False)])
def test_a_yes_no_setting_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("DEBUG", raw)
    assert env_bool("DEBUG") is expected


def test_a_number_setting_refuses_words(monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_SECONDS", "x")
    with pytest.raises(ImproperlyConfigured, match="SESSION_IDLE_SECONDS must be a whole number"):
        env_int("SESSION_IDLE_SECONDS", 1800)


def test_a_missing_number_setting_takes_its_default(monkeypatch):
    monkeypatch.delenv("SESSION_IDLE_SECONDS", raising=False)
    assert env_int("SESSION_IDLE_SECONDS", 1800) == 1800


def test_a_list_setting_ignores_blanks_and_spaces(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " forum.example, ,www.forum.example ")
    assert env_list("ALLOWED_HOSTS") == ["forum.example", "www.forum.example"]


def test_an_unknown_email_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="scheme 'pigeon' is not supported"):
        email_settings("pigeon://loft.example")


def test_smtp_needs_a_host():
    with pytest.raises(ImproperlyConfigured, match="needs a host"):
        email_settings("smtp://")


def test_smtp_url_gives_host_port_credentials_and_tls():
    mailer = email_settings("smtp://forum%40council.example:p%2Fss@relay.example:587?tls=1")
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] | {"timeout": None} == {
        "host": "relay.example",
        "port": 587,
        "username": "forum@council.example",
        "password": "p/ss",
        "use_ssl": False,
        "use_tls": True,
        "timeout": None,
    }


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage(tmp_path, "check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_short_or_sample_secret_key(tmp_path):
    result = run_manage(tmp_path, "check", **production(tmp_path, SECRET_KEY="changeme"))
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 random characters" in result.stderr


def test_a_typo_in_a_setting_stops_the_app(tmp_path):
    result = run_manage(tmp_path, "check", **production(tmp_path, SECURE_SSL_REDIRECT="maybe"))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be true or false" in result.stderr


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = run_manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production(tmp_path)
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def read_setting(tmp_path: Path, name: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update({"VAR_DIR": str(tmp_path), "DEBUG": "1"}, **env)
    code = f"import json; from forum_app import settings; print(json.dumps(settings.{name}))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_single_sign_on_is_off_unless_configured(tmp_path):
    result = read_setting(tmp_path, "SOCIALACCOUNT_PROVIDERS")
    assert json.loads(result.stdout) == {"openid_connect": {"APPS": []}}


def test_single_sign_on_is_built_from_the_environment(tmp_path):
    result = read_setting(
        tmp_path,
        "SOCIALACCOUNT_PROVIDERS",
        OIDC_CLIENT_ID="client-id",
        OIDC_CLIENT_SECRET="client-secret",
        OIDC_SERVER_URL="https://login.microsoftonline.com/tenant-id/v2.0",
        OIDC_PROVIDER_ID="entra",
        OIDC_NAME="Council Microsoft account",
    )
    (app,) = json.loads(result.stdout)["openid_connect"]["APPS"]
    assert app == {
        "provider_id": "entra",
        "name": "Council Microsoft account",
        "client_id": "client-id",
        "secret": "client-secret",
        "settings": {"server_url": "https://login.microsoftonline.com/tenant-id/v2.0"},
    }


def test_single_sign_on_without_a_server_address_stops_the_app(tmp_path):
    result = read_setting(tmp_path, "SOCIALACCOUNT_PROVIDERS", OIDC_CLIENT_ID="client-id")
    assert result.returncode != 0
    assert "OIDC_SERVER_URL must be set" in result.stderr
