# The README's two commands: `make demo` and `make test`. Both set up .venv/ on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ASSIGNMENTS := hw1 hw2 hw3 hw4 hw5
DEMO_SEED := 2026
# torch's CPU build wherever this runs, whatever pip's configuration: on Linux x86-64 the test extra asks
# for torch==X+cpu, which only this index has (PyPI's torch there is the CUDA build). A mirror of it:
# make test TORCH_INDEX=URL.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# The oldest and the newest Python the project claims: `make test-pythons` runs the fast suite on each, each
# in its own venv .venv/X.Y/ (inside .venv/, so what ignores or hides .venv/ does the same to them), made with
# pyenv's Python ($(PYENV_ROOT)/versions/X.Y.*) or else pythonX.Y on PATH.
OTHER_PYTHONS := 3.10 3.13
PYENV_ROOT ?= $(HOME)/.pyenv
OTHER_VENVS := $(OTHER_PYTHONS:%=$(VENV)/%)
python_for = $(firstword $(filter-out %t/bin/python,$(wildcard $(PYENV_ROOT)/versions/$(1).*/bin/python)) \
                         $(shell command -v python$(1) 2>/dev/null))

.PHONY: demo test build clean test-pythons $(OTHER_PYTHONS:%=test-fast-%)

# Nothing in the output that the user need not act on: no "a new release of pip is available", and a
# command's output (pip's, and the build backend's banners: setuptools warns at every editable install)
# only when it fails.
export PIP_DISABLE_PIP_VERSION_CHECK := 1
QUIETLY = sh -c 'output=$$("$$@" 2>&1) || { status=$$?; printf "%s\n" "$$output" >&2; exit $$status; }' quietly

$(BIN)/python:
	@echo "setting up $(VENV)/ (first time only)"
	@$(PYTHON) -m venv $(VENV)
	@$(QUIETLY) $(BIN)/python -m pip install --quiet --upgrade pip

# Building the course (otter assign) and the report's plots.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "installing cnngrade and its build and plots extras into $(VENV)/ (a minute or two; again only when pyproject.toml changes)"
	@$(QUIETLY) $(BIN)/python -m pip install --quiet -e '.[build,plots]'
	@touch $@

# Everything but torch from the usual indexes, then torch from its CPU index: only torch and what it needs
# are looked up there.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	@echo "installing the test extras into $(VENV)/ (torch from $(TORCH_INDEX))"
	@$(QUIETLY) $(BIN)/python -m pip install --quiet -e '.[test-base]'
	@$(QUIETLY) $(BIN)/python -m pip install --quiet --extra-index-url $(TORCH_INDEX) -e '.[test]'
	@touch $@

# cnngrade build rebuilds only the assignments whose inputs or outputs changed (--force: all of them).
# Grading below resumes the same way: a second `make demo` regrades nothing that did not change.
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

$(OTHER_VENVS:%=%/bin/python): $(VENV)/%/bin/python:
	@python="$(call python_for,$*)"; \
	if [ -z "$$python" ]; then \
		echo "no Python $*: none in $(PYENV_ROOT)/versions/$*.*/ and no python$* on PATH" >&2; exit 1; \
	fi; \
	echo "$$python -m venv $(VENV)/$*"; "$$python" -m venv $(VENV)/$*
	$(VENV)/$*/bin/python -m pip install --quiet --upgrade pip

# As .venv/.installed-test; but where no CPU build of torch for this Python can be had, the suite runs
# without torch, whose cross-checks then skip (they run on the main Python, under `make test`).
$(OTHER_VENVS:%=%/.installed-test): $(VENV)/%/.installed-test: pyproject.toml | $(VENV)/%/bin/python
	$(VENV)/$*/bin/python -m pip install --quiet -e '.[test-base]'
	$(VENV)/$*/bin/python -m pip install --quiet --extra-index-url $(TORCH_INDEX) -e '.[test]' \
		|| echo "*** no CPU build of torch for Python $*: its suite runs without torch's cross-checks"
	touch $@

$(OTHER_PYTHONS:%=test-fast-%): test-fast-%: $(VENV)/%/.installed-test
	$(VENV)/$*/bin/python -m pytest -q -m "not slow"

test-pythons: $(OTHER_PYTHONS:%=test-fast-%)

clean:
	rm -rf $(VENV) dist out
