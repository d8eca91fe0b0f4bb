# The two commands a new user needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV_PY := .venv/bin/python
PORT ?= 8000
SCALE ?= full
export PORT

.PHONY: run test sync bootstrap lint migrate seed clean

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


clean:
	rm -rf var .venv
