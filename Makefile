# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
export OPCC_DATA_DIR ?= $(CURDIR)/data
# Nothing reaches the internet at run time.
export DO_NOT_TRACK=1
export GX_ANALYTICS_ENABLED=false
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

.PHONY: run test test-fast lint bench airflow cluster install browser services clean

# Bytecode is compiled at install, once: uv does not by default, and where PYTHONDONTWRITEBYTECODE is
# set every process would compile Airflow, dbt and GX from source again (about 2.5x their import time).
$(BIN)/opcc: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[dev]'
	touch $(BIN)/opcc

install: $(BIN)/opcc

run: install
	$(BIN)/opcc demo
	$(BIN)/opcc run

# The report is checked in a real browser: Debian's Chromium (installed once, as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the report's browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The tests that need real servers start their own: Debian's postgresql-15 and redis-server (installed once, as root).
services:
	@test -x /usr/lib/postgresql/15/bin/initdb && command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql-15 and redis-server for the PostgreSQL and Celery tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 redis-server >/dev/null; }

# Two workers (pytest-xdist), a test file to each: the e2e tests wait on Airflow, dbt and servers as much as they
# compute, so two at once nearly halve the wall time on two cores. A file's tests stay together, in order.
test: install browser services
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Every test that needs no Airflow run: all but the end-to-end tests (marked e2e), in a few minutes.
test-fast: install browser services
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not e2e"

# ruff (Python; dags/ruff.toml bans heavy imports at a DAG file's top level), sqlfluff (the dbt project's SQL,
# dbt_project/.sqlfluff), mypy (src/), import-linter (the layers in .importlinter), and the manual (docs/, MkDocs
# --strict: a broken link fails). Each runs even when one before it failed; any failure fails the target.
lint: install
	@status=0; \
	$(BIN)/ruff check src dags tests benchmarks || status=1; \
	$(BIN)/sqlfluff lint dbt_project || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/lint-imports --no-cache || status=1; \
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet || status=1; \
	exit $$status

# A development tool outside the package (benchmarks/): 10 million ledger lines, then 1 million on DuckDB and on a
# local cluster it starts and stops (`benchmarks/bench.py --side-by-side-only` for just that); not part of `make test`.
# It writes its figures, dated, as the manual's page docs/performance-figures.md.
bench: install
	$(BIN)/python benchmarks/bench.py --docs docs/performance-figures.md

airflow: install
	$(BIN)/opcc ui

# PostgreSQL, Redis, Airflow's API server, scheduler, DAG processor and two Celery workers under $(OPCC_DATA_DIR)/cluster/
# (`opcc cluster down` stops them; `opcc cluster status` shows them). A plain `opcc run` then runs on it.
cluster: install services
	$(BIN)/opcc cluster up

clean:
	rm -rf $(VENV) data
