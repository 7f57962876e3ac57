# Social Work Forum — the commands. See README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run in parallel, one worker per core (pytest-xdist); TEST_WORKERS=0 runs them in one.
TEST_WORKERS ?= 2

.PHONY: run test lint bench load audit clean help

help:
	@echo "make run    start the demo on http://$(HOST):$(PORT) (SQLite, no other services needed)"
	@echo "make test   lint and run every test (unit, integration, browser)"
	@echo "make bench  run the benchmarks and write bench/results.json"
	@echo "make load   load-test a monthly meeting and write bench/load_results.json"
	@echo "make audit  check the installed packages against known vulnerabilities"

$(VENV)/.created:
	@set -e; py=$$(scripts/find_python.sh); echo "Using $$py"; "$$py" -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	@echo "Installing Python packages…"
	@$(PY) -m pip install -q ".[test]"
	@touch $@

# The embedded default: SQLite, tasks in-process, emails written to var/mail.
run: export DEBUG ?= 1
run: export ALLOWED_SIGNUP_DOMAINS ?= demo.example
run: $(VENV)/.installed
	@scripts/system_packages.sh
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo --if-empty -v 0
	@$(PY) manage.py run_embedded --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@DEBUG=1 $(PY) manage.py makemigrations --check --dry-run -v 0 || (echo "Models changed without a migration: run manage.py makemigrations" && exit 1)

test: $(VENV)/.installed
	@scripts/system_packages.sh --tests
	@$(MAKE) --no-print-directory lint
	@$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: $(VENV)/.installed
	@scripts/system_packages.sh
	@$(PY) -m bench

# PostgreSQL and Redis: LOAD_DATABASE_URL (default .../swf_load), LOAD_REDIS_URL (default db 10).
# INSTANCES=2 runs two web servers and two Celery workers on the one database and broker;
# WEB_CPUS=0 keeps the web servers on that core alone (taskset).
load: export INSTANCES ?= 1
load: export WEB_CPUS ?=
load: $(VENV)/.installed
	@scripts/system_packages.sh
	@$(PY) -m bench.meeting_load

# --strict: a package that cannot be looked up is an error, so an unreachable advisory
# service never passes as "no known vulnerabilities".
audit: $(VENV)/.installed
	@$(PY) -m pip install -q pip-audit
	@$(VENV)/bin/pip-audit --strict --progress-spinner off

clean:
	rm -rf $(VENV) staticfiles .pytest_cache db.sqlite3 var
