# The two commands of the README: `make run` (demo on SQLite) and `make test` (whole suite).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv >/dev/null 2>&1 && echo uv || echo python3 -m uv)
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_ENV := DJANGO_SETTINGS_MODULE=bilan.settings.test

.PHONY: run test captures venv services lint check-migrations messages clean tenancy-report mutation bench-smoke

venv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet

## make run: install what is missing, migrate SQLite, load the demo, serve on http://127.0.0.1:8000
run: venv
	$(PY) manage.py compilemessages --ignore=.venv -v0 || true
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py rome_charger -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "Bilan sert sur http://$(HOST):$(PORT)/ (Ctrl+C pour arrêter)"
	@# Without Redis, due reminders and surveys are sent by this in-process loop.
	trap 'kill 0' EXIT; $(PY) manage.py relances_envoyer --boucle & \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

## make captures: docs/screenshots/*.png from the demo (cockpits, dossier, synthèse editor, portal; 375 and 1280 px)
captures: venv
	$(PY) scripts/captures.py

services:
	bash scripts/system-deps.sh
	bash scripts/services.sh

## make test: the whole suite on PostgreSQL (non-superuser role), Redis, a Celery worker and chromium
test: services venv
	test -f node_modules/axe-core/axe.min.js || npm ci --silent --no-audit --no-fund
	$(PY) manage.py compilemessages --ignore=.venv -v0
	$(TEST_ENV) $(PY) -m pytest --create-db

## make bench-smoke: every benchmark of bench/ in its tiny mode (CI smoke run, bench/RESULTS.md
## for the real runs), on its own test database.
BENCH_DB ?= test_bilan_bench_smoke
bench-smoke: services venv
	BENCH_MINI=1 BENCH_PAGES="tableau de bord" $(TEST_ENV) TEST_DATABASE_NAME=$(BENCH_DB) $(PY) -m pytest -q --create-db tests/perf/test_session.py bench/bench_pages.py bench/profil_pages.py
	BENCH_BASE=$(BENCH_DB) $(PY) -m bench.bench_charge --mini
	BENCH_MINI=1 $(TEST_ENV) TEST_DATABASE_NAME=$(BENCH_DB) $(PY) -m pytest -q --reuse-db bench/bench_outbox.py

## make mutation [MODULE=budget|retention|relances|phases|financement|qualiopi|cycle]: mutation testing of
## the rule modules, serially, on the suite's test database (TEST_DATABASE_NAME, REDIS_URL);
## every module when MODULE is not given. Results: tests/MUTATION.md.
MODULE ?= all
mutation: venv
	$(TEST_ENV) $(PY) scripts/mutation.py $(MODULE)

## make tenancy-report: migrate the local `bilan` database as the owner, then print, as the
## application role, every tenant table with its row-level security policy and composite keys
OWNER_URL ?= postgres://bilan_owner:bilan_owner@127.0.0.1:5432/bilan
APP_URL ?= postgres://bilan_app:bilan_app@127.0.0.1:5432/bilan
tenancy-report: services venv
	DATABASE_URL=$(OWNER_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(APP_URL) $(PY) manage.py tenancy_report
	DATABASE_URL=$(APP_URL) $(PY) manage.py check --database default

## make lint: ruff, the import contracts (layers, no circles) and the type checker
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports
	$(PY) -m mypy

check-migrations: venv
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

messages: venv
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=staticfiles --no-obsolete

clean:
	rm -rf var staticfiles mutants
