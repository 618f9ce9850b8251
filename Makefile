# The two quick-start commands of the README: `make demo` and `make test`.
# Both create .venv and install citegraph into it on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Ingest, build and analyze the bundled sample corpus into ./citegraph.db, then serve it.
demo: $(STAMP)
	$(BIN)/citegraph demo

## The whole test suite; starts a local Neo4j (citegraph neo4j, api/neo4j_local) unless NEO4J_URI/NEO4J_PASSWORD are set.
test: $(STAMP)
	$(BIN)/python scripts/setup_test_env.py
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache citegraph.db citegraph.db-wal citegraph.db-shm
