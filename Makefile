# Two entry points for a fresh machine: `make demo` and `make test`.
# Both build .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
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

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
