# Two entry points for a fresh machine: `make demo` and `make test`.
# Both build .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-csv test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Maven sample in a local Salesforce emulator, through the real connector.
demo: $(STAMP)
	$(BIN)/mkp demo

# The same sample through the CSV connector, with no Salesforce at all.
demo-csv: $(STAMP)
	$(BIN)/mkp run --csv examples/maven-crm/profile.toml --as-of 2017-12-31 \
		--output out/maven-scored.csv --report-json out/maven-report.json

lint: $(STAMP)
	$(BIN)/ruff format --check mkp_core connectors worker tests benchmarks
	$(BIN)/ruff check mkp_core connectors worker tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff format mkp_core connectors worker tests benchmarks
	$(BIN)/ruff check --fix mkp_core connectors worker tests benchmarks

# Benchmarks (benchmarks/README.md): quick sizes, or `make bench LARGE=1`.
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_SIZE := $(if $(LARGE),--large,)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.scoring $(BENCH_SIZE)
	$(BIN)/python -m benchmarks.api_calls $(BENCH_SIZE)
	$(BIN)/python -m benchmarks.end_to_end $(BENCH_SIZE)
	$(BIN)/python -m benchmarks.write_churn $(BENCH_SIZE)
	$(BIN)/python -m benchmarks.memory $(BENCH_SIZE)
	$(BIN)/python -m benchmarks.multi_org $(BENCH_SIZE)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
