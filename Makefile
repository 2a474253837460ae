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
        typecheck migrate revision seed worker bench clean web web-client web-client-check web-test \
        web-maybe web-test-maybe

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

run: install web-maybe ## Install, build the web app (Node 20+), migrate, seed the catalog and serve on http://127.0.0.1:8000
	$(BIN)/mealplanner seed --if-empty
	$(BIN)/mealplanner serve --host $(HOST) --port $(PORT)

test: install-dev check ## Lint, type-check, the suite on SQLite then PostgreSQL + Redis, then the web app's tests
	scripts/run_tests.sh $(TEST_WORKERS)
	@$(MAKE) --no-print-directory web-test-maybe

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

bench: install-dev ## Run the load benchmark, back to back and with think time (PostgreSQL + Redis; not part of CI)
	$(BIN)/python -m bench.load_bench
	$(BIN)/python -m bench.load_bench --levels 64 --think-ms 1000 --seconds 30 --cost-seconds 0 --out load-think

clean: ## Remove the virtualenv and caches (keeps ./data)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# --- Web app (web/): TypeScript + React, built by Vite into web/dist, served by the API at / ---
NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
HAVE_NODE := $(shell [ "$(NODE_MAJOR)" -ge 20 ] 2>/dev/null && echo yes)
CHROMIUM ?= /usr/bin/chromium
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
               web/tsconfig.json web/package.json
NODE_HELP := Node.js 20+ is needed to build the web app (found: $(if $(filter 0,$(NODE_MAJOR)),none,v$(NODE_MAJOR))). \
  Install it from https://nodejs.org (or: apt-get install nodejs npm on Debian 13+, or nvm install 20), then run make web.

WEB_CACHE := web/node_modules/.cache/mealplanner
WEB_CACHE_REL := node_modules/.cache/mealplanner
export DUMP_OPENAPI := import json, pathlib, sys; from mealplanner.app import create_app; \
  out = pathlib.Path(sys.argv[1]); out.parent.mkdir(parents=True, exist_ok=True); \
  out.write_text(json.dumps(create_app().openapi()))

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

web: ## Build the web app into web/dist (needs Node.js 20+); prints the initial bundle size
	@[ "$(HAVE_NODE)" = yes ] || { echo "$(NODE_HELP)"; exit 1; }
	@$(MAKE) --no-print-directory web/dist/index.html

web-maybe:
	@if [ "$(HAVE_NODE)" = yes ]; then $(MAKE) --no-print-directory web/dist/index.html; \
	 else echo; echo "*** $(NODE_HELP)"; echo "*** Starting the API without the web app."; echo; fi

web-client: install web/node_modules/.package-lock.json ## Regenerate web/src/api/schema.d.ts from the app's OpenAPI
	MEALPLANNER_DATA_DIR=$$(mktemp -d) $(BIN)/python -c "$$DUMP_OPENAPI" $(WEB_CACHE)/openapi.json
	cd web && npx openapi-typescript $(WEB_CACHE_REL)/openapi.json -o src/api/schema.d.ts --default-non-nullable false

web-client-check: install web/node_modules/.package-lock.json ## Fail when the committed API client differs from a fresh generation
	@MEALPLANNER_DATA_DIR=$$(mktemp -d) $(BIN)/python -c "$$DUMP_OPENAPI" $(WEB_CACHE)/openapi.json
	@cd web && npx openapi-typescript $(WEB_CACHE_REL)/openapi.json -o $(WEB_CACHE_REL)/schema.d.ts --default-non-nullable false >/dev/null
	@diff -u web/src/api/schema.d.ts $(WEB_CACHE)/schema.d.ts > $(WEB_CACHE)/schema.diff \
	  && echo "web client: web/src/api/schema.d.ts matches the API" \
	  || { head -40 $(WEB_CACHE)/schema.diff; echo "web client is stale: the API changed. Run 'make web-client' and commit web/src/api/schema.d.ts"; exit 1; }

web-test: install web ## Vitest component tests, then the end-to-end suite in Chromium against a real server
	cd web && npx vitest run
	cd web && CHROMIUM=$(CHROMIUM) PYTHON=../$(BIN)/python node e2e/run.mjs

web-test-maybe:
	@if [ "$(HAVE_NODE)" = yes ] && [ -x "$(CHROMIUM)" ]; then \
	   $(MAKE) --no-print-directory web-client-check web-test; \
	 elif [ "$${CI:-}" = true ]; then \
	   echo "CI needs Node.js 20+ and $(CHROMIUM) for the web tests" >&2; exit 1; \
	 else \
	   echo "== Skipping the web app tests: they need Node.js 20+ (found: v$(NODE_MAJOR)) and $(CHROMIUM) (apt-get install chromium) =="; \
	 fi
