# The two commands a new user needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV_PY := .venv/bin/python
PORT ?= 8000
SCALE ?= full
export PORT

.PHONY: run test sync bootstrap lint migrate seed clean bench fuzz

# Each step of a first run says what it is doing; what the tools themselves print goes to var/log/.
bootstrap:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || { echo "==> installing uv (the package manager) with pip …"; \
		$(PYTHON) -m pip install -qq --disable-pip-version-check uv; }

# First run (no .venv, or uv.lock/pyproject.toml changed since the last sync): say so, and show the time going by
# while uv downloads and installs (its own output: var/log/install.log). Otherwise a quick, silent check.
sync: bootstrap
	@if [ .venv/.synced -nt uv.lock ] && [ .venv/.synced -nt pyproject.toml ]; then \
		$(UV) sync --frozen --quiet; \
	else \
		mkdir -p var/log; start=$$(date +%s); \
		if [ -d .venv ]; then what="updating dependencies (uv.lock changed)"; \
		else what="installing dependencies (first run, ~1-2 min)"; fi; \
		echo "==> $$what; uv's output: var/log/install.log …"; \
		$(UV) sync --frozen --no-progress >var/log/install.log 2>&1 & uv_pid=$$!; \
		trap 'kill $$uv_pid 2>/dev/null; exit 130' INT TERM; \
		if [ -t 1 ]; then while kill -0 $$uv_pid 2>/dev/null; do \
			printf '\r    %s s' $$(( $$(date +%s) - start )); sleep 1; done; printf '\r'; fi; \
		if wait $$uv_pid; then touch .venv/.synced; \
			echo "    done in $$(( $$(date +%s) - start )) s"; \
		else echo "uv sync failed; the end of var/log/install.log:" >&2; tail -n 25 var/log/install.log >&2; exit 1; fi; \
	fi

migrate: sync
	@echo "==> migrating the database …"
	@$(VENV_PY) manage.py migrate --noinput -v0

# seed_demo says itself whether it is seeding (first run) or the demo data is already there.
seed: migrate
	@$(VENV_PY) manage.py seed_demo

# serve prints the banner (URLs, logins, API key, where the logs are) last, once the web server answers.
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
