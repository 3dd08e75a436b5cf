# DORA Bridge — the verbs a newcomer needs. `make help` lists them.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
# Proptest and hypothesis examples per property in CI; raise for a longer hunt.
PROPTEST_CASES ?= 512
HYPOTHESIS_PROFILE ?= ci
# A throwaway PostgreSQL with the sample payments data (transaction-scope connector).
PG := scripts/postgres-server.sh
WITH_PG = eval "$$($(PG) env | sed 's/^/export /')" &&

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(DEPS): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(DEPS) ## create .venv, install the tools, build the Rust extension into it
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/maturin develop --release --quiet

demo: setup ## run the main job end to end against a local SOCRadar-compatible server
	@if $(PG) start; then $(WITH_PG) $(PY) -m devtools.demo; \
	else echo "PostgreSQL could not be started: the demo runs without the transaction-scope connector."; \
	$(PY) -m devtools.demo; fi

test: setup lint ## every test and check: cargo test, clippy, pytest, stubtest, demisto-sdk validate
	$(PG) start
	$(WITH_PG) PROPTEST_CASES=$(PROPTEST_CASES) cargo test --quiet
	$(WITH_PG) HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(PY) -m pytest -q
	scripts/validate-pack.sh

lint: setup ## formatting, clippy, ruff, and the stub checked against the built module
	cargo fmt --check
	cargo clippy --all-targets --quiet -- -D warnings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy.stubtest dora_bridge._core

fmt: setup ## format Rust and Python sources
	cargo fmt
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove build outputs and virtual environments, stop the test database
	-$(PG) stop
	cargo clean
	rm -rf $(VENV) .venv-sdk .pytest_cache .hypothesis .ruff_cache .mypy_cache dist .pg demo-output

.PHONY: help setup demo test lint fmt clean
