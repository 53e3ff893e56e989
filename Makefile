# Consult: `make run` serves the demo, `make test` runs the whole suite, `make test-fast` the quick tier.
# Another address or port: `make run PORT=5050` (or HOST=0.0.0.0 to listen on every interface).
VENV      ?= .venv
PYTHON    ?= python3
BIN        = $(VENV)/bin
# What running needs (`make run`, `make install`), and that plus the test extras (pytest,
# Playwright, the linters) for `make test`, `make test-fast`, `make lint` and `make bench`.
STAMP      = $(VENV)/.installed
TEST_STAMP = $(VENV)/.installed-test
HOST      ?= 127.0.0.1
PORT      ?= 5000
export CONSULT_ENV ?= development

.PHONY: run lint test test-fast install bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP) $(TEST_STAMP)

install: $(STAMP)

# The links in development mail point at the port served, unless SITE_URL says otherwise.
run: $(STAMP)
	$(BIN)/consult init-db
	$(BIN)/consult demo
	@echo "Serving Consult on http://$(HOST):$(PORT)/ with a background worker beside it (Ctrl-C stops both)"
	@export SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/consult worker & worker=$$!; \
	SEARCH_INDEXER_THREAD=1 $(BIN)/consult run --host $(HOST) --port $(PORT)

# Two workers fit this project's 2-core machines; each test file stays on one worker, and all the
# browser journeys run first on one worker, sharing one server, one Chromium and one validator run
# (tests/conftest.py, pytest_xdist_make_scheduler).
PYTEST_WORKERS ?= 2

# ruff (settings in pyproject.toml) over the whole tree, then mypy over consult, documents, moderation.
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The whole suite, after the linters: ruff and mypy must be clean first.
test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Everything but the tests marked slow (browser journeys, schemathesis, real server processes:
# see tests/conftest.py). For the edit-test loop; `make test` and CI still run the lot.
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" $(PYTEST_ARGS)

# The quick benchmarks (a few minutes): documents/ timings, then the load benchmark on SQLite
# and PostgreSQL (needs a server on 127.0.0.1:5432); writes docs/performance.md.
# The full run (1,000,000 comments) is described in bench/README.md.
bench: $(TEST_STAMP)
	$(BIN)/python bench/bench_documents.py
	$(BIN)/python bench/load.py --quick

# Translations: every marked message (settings in pyproject.toml, [tool.babel]) into
# translations/messages.pot, then each translations/<lang>/LC_MESSAGES/messages.po updated to match:
# translate what is new or fuzzy there. The .mo files are compiled at start-up (consult/i18n.py).
messages: $(STAMP)
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output --project Consult \
	  --copyright-holder "Consult contributors" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --width 100

clean:
	rm -rf $(VENV) instance .pytest_cache
