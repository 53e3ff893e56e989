# Consult: `make run` serves the demo, `make test` runs the whole suite.
VENV      ?= .venv
PYTHON    ?= python3
BIN        = $(VENV)/bin
STAMP      = $(VENV)/.installed
HOST      ?= 127.0.0.1
PORT      ?= 5000
export CONSULT_ENV ?= development

.PHONY: run test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/consult init-db
	$(BIN)/consult demo
	@echo "Serving Consult on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	SEARCH_INDEXER_THREAD=1 $(BIN)/consult run --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/bench_documents.py

clean:
	rm -rf $(VENV) instance .pytest_cache
