# The README's two commands: `make demo` and `make test`. Both set up .venv/ on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ASSIGNMENTS := hw1 hw2 hw3 hw4 hw5
DEMO_SEED := 2026

.PHONY: demo test build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(VENV)/.installed
	$(BIN)/cnngrade build

demo: build
	@echo "make demo grades the project's own sample class, so it passes --unsandboxed: where bubblewrap"
	@echo "cannot sandbox submissions it still runs, and its summary says so. Grade real submissions without it."
	@for hw in $(ASSIGNMENTS); do \
		echo; echo "=== $$hw: grading the sample class in examples/$$hw"; \
		$(BIN)/cnngrade grade $$hw examples/$$hw --out out/$$hw --seed $(DEMO_SEED) --timeout 10 --unsandboxed || exit 1; \
	done

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) dist out
