# Synapse analytics. `make help` lists the targets.
#
#   make build   set up .venv, generate + land the default dataset, dbt build (DuckDB)
#   make test    every check: lint, pre-commit, Python tests, dbt on DuckDB and
#                Postgres (when reachable; required under CI=true), the Redshift
#                check, the dashboards and the catalog in Debian's chromium

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export DBT_PROFILES_DIR := $(CURDIR)/.dbt
export DBT_PROJECT_DIR := $(CURDIR)
export SYNAPSE_DUCKDB_PATH ?= $(CURDIR)/warehouse/synapse.duckdb

# Default dataset of `make build`: ends now, so source freshness passes.
USERS ?= 2000
DAYS ?= 120
SEED ?= 42

.PHONY: help install build land dbt-build lint test pytest redshift-compile docs bench lock clean
.PHONY: dashboard orchestrate conventions alerts redshift-check
.PHONY: dr-drill test-fast

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-18s %s\n", $$1, $$2}'

install: $(STAMP) .dbt/profiles.yml  ## create .venv with the pinned toolchain (idempotent)

$(STAMP): pyproject.toml requirements/constraints.txt
	@echo "==> preparing $(VENV) (python: $$($(PYTHON) --version))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e '.[dev,orchestration,dashboards,semantic]' 2>&1 \
		| { grep -v "^WARNING: Location 'file:" || true; }
	@touch $@
	@echo "==> $(VENV) ready: $$($(BIN)/dbt --version | head -2 | tail -1 | xargs)"

.dbt/profiles.yml: profiles.yml.example
	@mkdir -p .dbt
	@ln -sf ../profiles.yml.example $@

land: install  ## generate the default dataset and land it in DuckDB (replacing raw)
	@$(BIN)/synapse-land generate --users $(USERS) --days $(DAYS) --seed $(SEED) \
		--out landing --load duckdb --replace
	@# governance: the email-hash salt goes to secrets.email_hash_salt, never into SQL
	@if [ -n "$${SYNAPSE_EMAIL_HASH_SALT:-}" ]; then \
		$(BIN)/synapse-land put-salt --warehouse duckdb; \
	else echo "==> SYNAPSE_EMAIL_HASH_SALT not set: email_hash uses an empty salt (a warning)"; fi

dbt-build: install  ## dbt build on the DuckDB warehouse (incremental)
	@$(BIN)/dbt build --target local $(DBT_BUILD_FLAGS)
	@echo "==> warehouse: $(SYNAPSE_DUCKDB_PATH)"

# `make land` replaced every raw table, so the main job rebuilds every model
# from scratch: tables built by an older version of a model never linger.
build: DBT_BUILD_FLAGS := --full-refresh
build: land dbt-build  ## the main job: land the default dataset and build everything

lint: install  ## ruff, sqlfluff and every pre-commit hook over the whole tree
	@$(BIN)/pre-commit run --all-files --show-diff-on-failure

pytest: install  ## Python tests, dbt on DuckDB and Postgres, Redshift check, browser tests
	@$(BIN)/pytest $(PYTEST_PARALLEL) --durations=30

test: lint pytest  ## every check (the CI job)

# ---------- test layers (pytests/unit, project, e2e; README "Testing") ----------
# Two workers (the CI machine has two cores); `--dist loadfile`: a module is
# one unit of work, modules sharing a session build one group, heaviest
# first (pytests/conftest.py). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),-p no:xdist,-n $(PYTEST_WORKERS) --dist loadfile)

test-fast: install .dbt/profiles.yml  ## quick pre-push check: lint changed files, unit + project tests, DuckDB build of changed models
	@PYTEST_WORKERS=$(PYTEST_WORKERS) tools/test-fast/run.sh

redshift-compile: redshift-check  ## old name of redshift-check

# ---- Redshift (docs/decisions/0008-redshift-production.md) ----
redshift-check: install .dbt/profiles.yml  ## capture every statement dbt sends to prod, judge it against Redshift's rules
	@$(BIN)/python -m synapse_devtools.redshift.check

docs: install  ## the data catalog: static dbt docs site + latest checks (target/static_index.html)
	@$(BIN)/python -m synapse_devtools.docs_site --target local

# ---- benchmark and disaster-recovery drill (docs/benchmarks.md) ----
# BENCH_ARGS: e.g. --scales 1M --engines duckdb, or --smoke (tiny, a slice).
BENCH_ARGS ?=

bench: install .dbt/profiles.yml  ## measure builds against the engine floor (1M+10M DuckDB, 1M Postgres): docs/benchmarks.md
	@$(BIN)/python -m synapse_devtools.bench $(BENCH_ARGS)

dr-drill: install .dbt/profiles.yml  ## delete the DuckDB warehouse, re-land the raw zone (landing/), rebuild, check every mart is unchanged
	@$(BIN)/python -m synapse_devtools.dr_drill --warehouse "$(SYNAPSE_DUCKDB_PATH)" --raw-zone landing

# ---------- dashboards (Streamlit) ----------
DASHBOARD_PORT ?= 8501

dashboard: install  ## the Streamlit dashboards on localhost:8501 (DuckDB warehouse of make build, read-only)
	@test -f "$(SYNAPSE_DUCKDB_PATH)" || [ "$${SYNAPSE_DASHBOARD_TARGET:-local}" != local ] || \
		{ echo "no warehouse at $(SYNAPSE_DUCKDB_PATH): run 'make build' first" >&2; exit 1; }
	@echo "==> dashboards: http://localhost:$(DASHBOARD_PORT)/realtime  /business  /weekly_kpis"
	@$(BIN)/streamlit run dashboards/app.py --server.address localhost \
		--server.port $(DASHBOARD_PORT) --server.headless true \
		--browser.gatherUsageStats false
# ---------- monitoring ----------
alerts: install  ## print the open alerts of mon_alerts (exit 1 when any; posts to the webhook when SYNAPSE_ALERT_WEBHOOK_URL is set)
	@$(BIN)/synapse-monitor alerts --target local

lock: install  ## re-pin requirements/constraints.txt from the current .venv
	@$(BIN)/pip freeze --exclude-editable | grep -v '^synapse' > requirements/constraints.txt

# ---------- orchestration (Dagster) ----------
# Run state (runs, schedules, sensors) in SQLite under .dagster/ (git-ignored).
DAGSTER_HOME ?= $(CURDIR)/.dagster
DAGSTER_PORT ?= 3000

orchestrate: install  ## Dagster UI on http://127.0.0.1:3000 over the DuckDB warehouse of `make build`
	@mkdir -p $(DAGSTER_HOME)
	@echo "==> Dagster UI: http://127.0.0.1:$(DAGSTER_PORT)  (DAGSTER_HOME=$(DAGSTER_HOME), warehouse $(SYNAPSE_DUCKDB_PATH))"
	@DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -w orchestration/workspace.yaml \
		--host 127.0.0.1 --port $(DAGSTER_PORT)

conventions: install  ## check the models against the project's conventions (dbt-score)
	@$(BIN)/python -m synapse_conventions.check

clean:  ## remove build products (keeps .venv)
	@rm -rf target logs dbt_packages warehouse landing .pytest_cache
