# Two commands: `make demo` renders the sample articles, `make test` runs the test suite.
# Both create .venv and install everything first (CPU torch before anything that needs it,
# or pip would pull a multi-GB CUDA build).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PG_BIN := /usr/lib/postgresql/15/bin

.PHONY: demo test install postgres lint bench real-day quality screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/briefing --config config.yaml render --all

# The store's tests start a real PostgreSQL 15 server (tests/fixtures_pg.py) and fail without
# one; as root the Debian package is installed here if missing. BRIEFING_PG=skip skips them.
postgres:
	@test -x $(PG_BIN)/initdb || [ "$$BRIEFING_PG" = skip ] || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; } || \
	  { echo "make test needs PostgreSQL 15: apt-get install postgresql-15 (as root)," \
	         "or BRIEFING_PG=skip make test to skip its tests"; exit 1; }

test: $(STAMP) postgres
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check briefing tests bench

quality: $(STAMP)
	$(BIN)/python bench/quality.py

bench: $(STAMP)
	$(BIN)/python bench/performance.py

# The 1,655 real articles of ../shared/eval and seeds/ rendered cold, against the bare encoder
# on the same sentences in the same run; writes its section of docs/benchmarks.md.
real-day: $(STAMP)
	$(BIN)/python bench/real_day.py --write-doc

# docs/briefing.png, the README's picture: the seeds rendered and shot in headless Chromium.
screenshot: $(STAMP)
	$(BIN)/python bench/screenshot.py

clean:
	rm -rf output state .pytest_cache
