# Mealplanner: `make run` serves the app on http://127.0.0.1:8000, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help run install install-dev test test-fast test-sqlite test-postgres check lint format \
        typecheck migrate revision seed worker bench clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11+ is required (found: $$($(PYTHON) --version 2>&1)); set PYTHON=python3.X"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(DEV_STAMP): $(BIN)/python requirements-dev.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP) ## Install the app from the lockfile into .venv

install-dev: $(DEV_STAMP) ## Install the app and the dev tools from the lockfile

run: install ## Install, migrate and serve on http://127.0.0.1:8000 (SQLite)
	$(BIN)/mealplanner serve --host $(HOST) --port $(PORT)

test: install-dev check ## Lint, type-check and run the suite on SQLite, then PostgreSQL + Redis
	scripts/run_tests.sh $(TEST_WORKERS)

test-fast: install-dev ## Run the suite on SQLite only
	MEALPLANNER_TEST_BACKEND=sqlite $(BIN)/pytest -q -n $(TEST_WORKERS)

check: lint typecheck ## ruff + mypy

lint: install-dev ## ruff check and format check
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

format: install-dev ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

typecheck: install-dev ## mypy --strict on src/
	$(BIN)/mypy

migrate: install ## Apply database migrations to MEALPLANNER_DATABASE_URL
	$(BIN)/mealplanner migrate

revision: install-dev ## Autogenerate a migration: make revision m="add things"
	$(BIN)/python -c 'from mealplanner import migrate; from mealplanner.core.config import get_settings; migrate.revision(get_settings().effective_database_url, "$(m)")'

seed: install ## Load the shipped recipe catalog (idempotent)
	$(BIN)/mealplanner seed

worker: install ## Run the background job worker (needs MEALPLANNER_REDIS_URL)
	$(BIN)/mealplanner worker

bench: install-dev ## Run the benchmarks (PostgreSQL + Redis; not part of CI)
	$(BIN)/python bench/load_bench.py

clean: ## Remove the virtualenv and caches (keeps ./data)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
