# Two commands do all the set-up:  `make run` (start the portal)  and  `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# pytest-xdist workers: one per core by default. Under PostgreSQL each worker uses its own
# database beside PG_TEST_URL's (test_gw0, test_gw1...), created and dropped by the suite.
TEST_WORKERS ?= auto

.PHONY: run install install-test test test-renamed-workflow test-postgres test-browser fuzz audit bench lint format assets static-build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,dev]"

# Start the portal on the embedded defaults (SQLite in instance/, messages captured locally)
# with a worker beside it that sends (captures) the queued messages.
run: install
	$(FLASK) db upgrade
	@echo ""
	@$(FLASK) staff demo
	@$(FLASK) demo-data
	@echo ""
	@echo "Portal:             http://127.0.0.1:5000"
	@echo "Staff sign-in:      http://127.0.0.1:5000/staff/sign-in"
	@echo "Captured messages:  http://127.0.0.1:5000/_dev/messages (no NOTIFY_API_KEY set)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(FLASK) worker & \
	  $(FLASK) run --host 127.0.0.1 --port 5000

# Install what the tests need, check lint and formatting, and run the suite (SQLite). The
# browser suite runs when Debian's Chromium is installed and is skipped, saying so, when not.
test: install-test lint
	$(BIN)/pytest -q -n $(TEST_WORKERS)
	$(MAKE) test-renamed-workflow

# The domain and web tests again, against a copy of workflows/ with every state renamed: fails
# if a Python module or template names a workflow state instead of asking for its properties.
RENAMED_WORKFLOW_TESTS := tests/web tests/integration/test_domain.py tests/integration/test_complaints.py
test-renamed-workflow: install-test
	$(BIN)/pytest -q -n $(TEST_WORKERS) --renamed-workflow $(RENAMED_WORKFLOW_TESTS)

# The same suite against PostgreSQL (the production store). The browser suite is left out: it
# starts its own server on its own SQLite database and is run by `make test`.
test-postgres: install-test
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -n $(TEST_WORKERS) --ignore=tests/browser

# Only the browser journeys and axe-core checks, refusing to skip; screenshots of every page at
# phone and desktop widths land in tests/browser/screenshots/.
test-browser: install-test
	REQUIRE_BROWSER=1 $(BIN)/pytest -q -n $(TEST_WORKERS) tests/browser

# Generated requests for every route as every kind of visitor, long profile (`make test` runs a
# bounded one): FUZZ_EXAMPLES per visitor, 3000 by default. No input may give a server error.
fuzz: install-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -n $(TEST_WORKERS) -p no:randomly tests/web/test_fuzz_routes.py

# Known vulnerabilities in the installed dependencies (pip-audit); fails on any. REQUIRE_AUDIT=1
# also fails when no vulnerability service could be reached.
audit: install-test
	$(BIN)/python .ci/audit.py

# The whole benchmark (page weight, the queue, the submit path and the sweep at each size in
# BENCH_SIZES, and the Notify worker), each figure beside a baseline measured in the same run:
# bench/results.json and bench/results.md. BENCH_DATABASE_URL's schema is replaced (the database
# is created if missing). A quick run: `make bench BENCH_SIZES=10000 BENCH_ROUNDS=3`.
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench
bench: install-test
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.run

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rebuild static/govuk from GOV.UK Frontend (needs Node and npm; the portal itself does not),
# then the fingerprinted, compressed copies in static/build/ (committed: `make run` needs neither).
assets:
	cd assets-src && npm ci && node build.mjs
	$(MAKE) static-build

# Only the fingerprinted and compressed copies of static/ (Python; after editing init.js etc.).
static-build: install
	$(BIN)/python -m portal.assets

clean:
	rm -rf $(VENV) instance *.egg-info .pytest_cache .ruff_cache
