# The two commands a new user needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV_PY := .venv/bin/python
PORT ?= 8000
SCALE ?= full
export PORT

.PHONY: run test sync bootstrap lint migrate seed clean bench fuzz

bootstrap:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv

sync: bootstrap
	@$(UV) sync --frozen --quiet

migrate: sync
	@$(VENV_PY) manage.py migrate --noinput -v0

seed: migrate
	@$(VENV_PY) manage.py seed_demo

run: seed
	@$(VENV_PY) manage.py create_api_key --from-env >/dev/null
	@$(VENV_PY) manage.py serve --port $(PORT)

test: sync
	@$(VENV_PY) -m pytest

lint: sync
	@$(VENV_PY) -m ruff check .

# Benchmarks on a throwaway PostgreSQL cluster (see README "Benchmarks"); SCALE=small is the < 2 min smoke run.
# wrk is the HTTP load generator; installed from Debian when missing (as root), else a Python generator is used.
bench: sync
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } || true
	@$(VENV_PY) -m bench --scale $(SCALE)

# schemathesis on /api/v2/openapi.json (all checks, >= FUZZ_REQUESTS requests, server-side JWT) against a server
# started here on PORT. SQLite: a fresh var/fuzz.sqlite3; PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL say so.
FUZZ_REQUESTS ?= 10000
fuzz: sync
	@if [ -z "$$DATABASE_URL" ]; then rm -f var/fuzz.sqlite3*; fi; \
	export DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/var/fuzz.sqlite3}"; \
	$(VENV_PY) manage.py migrate --noinput -v0 && \
	$(VENV_PY) manage.py fuzz_api --port $(PORT) --requests $(FUZZ_REQUESTS)

clean:
	rm -rf var .venv
