# The two commands of a fresh machine: `make serve` (serve the bundled corpus) and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup serve test lint typecheck pytest pytest-chroma-server clean

setup: $(VENV)/.installed

# Constraints pin every transitive version, so two installs give the same environment.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,evals]'
	touch $@

serve: setup
	$(BIN)/vademecum serve

test: setup lint typecheck pytest pytest-chroma-server

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy ingest service evals tests vademecum.py

# Tests that need a Chroma server run only in pytest-chroma-server (they would start one of their own).
SERVER_ONLY_TESTS := tests/service/test_workers.py tests/service/test_replicas.py

pytest:
	$(BIN)/pytest -q $(addprefix --ignore=,$(SERVER_ONLY_TESTS))

# The tests that write or read Chroma, again against a throwaway `chroma run` server (VADEMECUM_CHROMA__MODE=http),
# plus several workers and two replicas sharing it. Left out on purpose: the tests of embedded Chroma itself
# (tests/ingest/test_faults_disk.py, test_faults_corrupt.py: read-only directory, damaged chroma.sqlite3, disk
# full inside Chroma), the ingest tests that never touch Chroma (chunking, formats, layout), and the service
# tests that exercise answer composition rather than the store.
CHROMA_SERVER_TESTS := \
	tests/ingest/test_pipeline.py \
	tests/ingest/test_pipeline_refusals.py \
	tests/ingest/test_cli.py \
	tests/ingest/test_crash_safety.py \
	tests/ingest/test_faults_concurrent.py \
	tests/service/test_retrieval.py \
	$(SERVER_ONLY_TESTS)

pytest-chroma-server:
	scripts/with-chroma-server $(BIN)/pytest -q $(CHROMA_SERVER_TESTS)

clean:
	rm -rf $(VENV) data
