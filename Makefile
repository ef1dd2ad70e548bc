# The whole warehouse runs from these targets. Each creates .venv and installs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Settings (RAW_DIR, DUCKDB_PATH, MAX_HELD_BACK_SHARE, DAGSTER_PORT, ...) may be kept in a .env file beside
# this Makefile. Every command reads it the same way, with python-dotenv (orchestration/settings.py); a
# variable set in the environment or on the command line (`make dev DAGSTER_PORT=3001`) wins over it.

.PHONY: run test test-unit dev pull install manifest docs bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the warehouse into $(VENV) (about a minute and a half the first time)..."
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' >> $(VENV)/install.log 2>&1 \
		|| { tail -40 $(VENV)/install.log; echo "install failed: full log in $(VENV)/install.log"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# dbt's manifest is what dagster-dbt reads the dbt graph from (orchestration/defs/transform/project.py). It
# is parsed again only when a file of the dbt project changed (a parse costs several seconds).
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml dbt_project/selectors.yml
DBT_MANIFEST := dbt_project/target/manifest.json

$(DBT_MANIFEST): $(STAMP) $(DBT_SOURCES)
	@$(BIN)/python -m orchestration.manifest
	@touch $(DBT_MANIFEST)

manifest: $(DBT_MANIFEST)

## Build the warehouse from RAW_DIR (default raw/) and publish it.
run: $(STAMP) manifest
	@$(BIN)/python -m orchestration.run

# The oldest DuckDB the published file must open in (BI drivers bundle old releases), installed apart
# from .venv for the test that opens the published file with it.
OLD_DUCKDB := .cache/duckdb-1.1.3
$(OLD_DUCKDB)/duckdb/__init__.py: | $(STAMP)
	@$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --target $(OLD_DUCKDB) duckdb==1.1.3 \
		> $(VENV)/old-duckdb.log 2>&1 || { cat $(VENV)/old-duckdb.log; exit 1; }

## Run every test (unit, dbt, integration). Tests that need ../shared skip with the reason when it is absent.
test: $(STAMP) manifest $(OLD_DUCKDB)/duckdb/__init__.py
	@$(BIN)/python -m pytest

## The fast tests (unit tests without PDF rendering and extraction limits), in under a minute.
test-unit: $(STAMP) manifest
	@$(BIN)/python -m pytest tests/unit -m "not slow" -q

## Find every council's children's services report on OFSTED_REPORTS_URL and download the new ones into RAW_DIR/ofsted/.
pull: $(STAMP)
	@$(BIN)/python -m orchestration.pull

## Draw the HTML report (report/index.html beside PUBLISHED_DUCKDB_PATH) again from the published file.
.PHONY: report
report: $(STAMP)
	@$(BIN)/python -m orchestration.report

## Write the workbook (ofsted.xlsx beside PUBLISHED_DUCKDB_PATH) again from the published file.
.PHONY: export
export: $(STAMP)
	@$(BIN)/python -m orchestration.export

## Serve the Dagster UI on http://127.0.0.1:$DAGSTER_PORT (default 3000), with the RAW_DIR sensor on.
dev: $(STAMP) manifest
	@$(BIN)/python -m orchestration.dev

## dbt's documentation as one static page, docs/site/index.html: every model and column, lineage, exposures.
docs: $(STAMP) manifest
	@$(BIN)/python -m orchestration.docs

## Benchmark against plain pdfminer (BENCHMARKS.md, benchmarks/results/); options in BENCH_ARGS, e.g.
## make bench BENCH_ARGS='--sizes 1000 --large-runs 3 --no-corpus --add-one-sizes ""'
BENCH_ARGS ?=
bench: $(STAMP) manifest
	@$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

## Lint, format and type checks: ruff on the Python, mypy on orchestration/ ([tool.mypy] in pyproject.toml),
## sqlfluff on the dbt models, tests and macros (dbt_project/.sqlfluff). The same checks run before each
## commit once `.venv/bin/pre-commit install` has been run (.pre-commit-config.yaml).
lint: $(STAMP)
	@$(BIN)/ruff check orchestration tests benchmarks
	@$(BIN)/ruff format --check orchestration tests benchmarks
	@$(BIN)/mypy
	@cd dbt_project && ../$(BIN)/sqlfluff lint models tests macros --disable-progress-bar --nocolor

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs
