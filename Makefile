# rightsdesk: `make demo` runs the offline demo, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test workers: each has its own Dovecot, MariaDB, SMTP sink and databases (tests/conftest.py).
TEST_WORKERS ?= 2

.PHONY: demo test lint format servers install clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rightsdesk demo --dir demo

servers:
	bash scripts/install-test-servers.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(STAMP) servers lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: $(STAMP) servers
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) demo .mypy_cache .ruff_cache .pytest_cache
