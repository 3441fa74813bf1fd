# rex: make help lists the targets. The first run builds .venv (a stamp file marks it done).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SEED := cases/anthropic-alibaba-2026.yaml
WHEELHOUSE := wheelhouse
PYENV_ROOT ?= $(HOME)/.pyenv
# The newest CPython that rex supports (3.10 to 3.13), a pyenv install included.
PYTHON ?= $(shell for p in python3.13 $(wildcard $(PYENV_ROOT)/versions/3.13*/bin/python3) \
	python3.12 $(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3) python3.11 python3.10 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3,10) <= sys.version_info[:2] <= (3,13))' 2>/dev/null && echo $$p && break; done)

.DEFAULT_GOAL := help
.PHONY: help run test lint rules unit browser soak bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 10

$(STAMP): setup.cfg pyproject.toml $(wildcard third_party/durable-rules/*)
	@test -n "$(PYTHON)" || { echo "rex needs CPython 3.10 to 3.13; none was found (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python third_party/durable-rules/build.py $(WHEELHOUSE)
	$(BIN)/python -m pip install --quiet --find-links $(WHEELHOUSE) -e '.[test,dev]'
	@touch $(STAMP)

run: $(STAMP)  ## print the report for the seed case
	$(BIN)/rex report $(SEED)

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check engine tests bench third_party
	$(BIN)/mypy

rules: $(STAMP)  ## rule lint, and every rule tested by cases at 100% coverage
	$(BIN)/rex rules lint --strict
	$(BIN)/rex rules test --min-coverage 100 -j 2

unit: $(STAMP) browser  ## the test suite only, in one process per core
	$(BIN)/pytest -n auto

browser:  ## Debian's chromium for the HTML brief's browser test, where apt-get may run
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt="apt-get"; elif sudo -n true 2>/dev/null; then apt="sudo -n apt-get"; fi; \
	  if [ -n "$$apt" ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive $$apt install -y -q chromium >/dev/null 2>&1 || \
	    { DEBIAN_FRONTEND=noninteractive $$apt update -q >/dev/null 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive $$apt install -y -q chromium >/dev/null 2>&1; } || true; fi; \
	  command -v chromium >/dev/null 2>&1 || echo "chromium could not be installed: the browser test is skipped"; }

test: lint rules unit  ## lint, rule checks, then the test suite

soak: $(STAMP)  ## the property and fuzz tests at twenty times the example counts (long)
	HYPOTHESIS_PROFILE=thorough $(BIN)/pytest tests/test_hardening.py tests/test_oracle.py tests/test_report.py tests/test_durable_pitfalls.py

bench: $(STAMP)  ## benchmarks; results go to docs/performance.md
	$(BIN)/python -m pip install --quiet --find-links $(WHEELHOUSE) -e '.[bench]'
	$(BIN)/python bench/run.py

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
