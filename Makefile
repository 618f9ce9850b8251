# The two quick-start commands of the README: `make demo` and `make test`.
# Both create .venv and install citegraph into it on first use: `make demo` only
# what the demo needs (the runtime), `make test` the test tools as well.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: demo test install bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUNTIME_STAMP)

install: $(STAMP)

## Ingest, build and analyze the bundled sample corpus into ./citegraph.db, then serve it.
demo: $(RUNTIME_STAMP)
	$(BIN)/citegraph demo

## The import contracts (pyproject.toml [tool.importlinter]), then the whole test suite; starts a local Neo4j (citegraph neo4j, api/neo4j_local) unless NEO4J_URI/NEO4J_PASSWORD are set.
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python scripts/setup_test_env.py
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache citegraph.db citegraph.db-wal citegraph.db-shm
