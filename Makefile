# The two commands of a fresh machine: `make serve` (serve the bundled corpus) and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup serve test lint typecheck pytest clean

setup: $(VENV)/.installed

# Constraints pin every transitive version, so two installs give the same environment.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

serve: setup
	$(BIN)/vademecum serve

test: setup lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy ingest service evals vademecum.py

pytest:
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) data
