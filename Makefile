# Two commands: `make demo` renders the sample articles, `make test` runs the test suite.
# Both create .venv and install everything first (CPU torch before anything that needs it,
# or pip would pull a multi-GB CUDA build).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint bench quality screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/briefing --config config.yaml render --all

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check briefing tests bench

quality: $(STAMP)
	$(BIN)/python bench/quality.py

bench: $(STAMP)
	$(BIN)/python bench/performance.py

# docs/briefing.png, the README's picture: the seeds rendered and shot in headless Chromium.
screenshot: $(STAMP)
	$(BIN)/python bench/screenshot.py

clean:
	rm -rf output state .pytest_cache
