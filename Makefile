# The two commands: `make run` (set up and serve on SQLite with the sandbox) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint migrations clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mumble serve

test: lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Pre-release the schema is one initial migration, regenerated from the models.
migrations: $(STAMP)
	rm -f mumble/migrations/0*.py
	$(BIN)/python -m tests.makemigrations

clean:
	rm -rf $(VENV) var .pytest_cache
