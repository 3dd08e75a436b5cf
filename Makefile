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
# Seconds of cargo-fuzz per target in `make test`; raise for a longer hunt.
FUZZ_SECONDS ?= 10
# A throwaway PostgreSQL with the sample payments data (transaction-scope connector).
PG := scripts/postgres-server.sh
WITH_PG = eval "$$($(PG) env | sed 's/^/export /')" &&
# Every date in the tests and the sample data derives from one anchor (tests/anchor.py): today,
# then, for the suites that deal in dates, the same time a year ahead, so a test bound to the
# calendar fails at once. Set either to replay a day: make test TEST_ANCHOR=2027-03-28T00:30:00Z
TEST_ANCHOR ?= $(shell date -u +%Y-%m-%dT%H:%M:00Z)
AHEAD_ANCHOR ?= $(shell date -u -d '+1 year' +%Y-%m-%dT%H:%M:00Z)
# The fault, load, failed-fetch and hostile-server suites run on fixed simulated clocks only;
# every other suite runs at both anchors.
NOT_AT_SECOND_ANCHOR := --ignore=tests/test_fault_injection.py --ignore=tests/test_load.py \
	--ignore=tests/test_fetch_failures.py --ignore=tests/test_fetch_hostile.py
define AT_SECOND_ANCHOR
@echo "pytest at the second anchor, $(AHEAD_ANCHOR)"
DORA_PG_ANCHOR=$(AHEAD_ANCHOR) $(PG) start
$(WITH_PG) DORA_TEST_ANCHOR=$(AHEAD_ANCHOR) HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(PY) -m pytest -q $(NOT_AT_SECOND_ANCHOR)
endef
# Release builds: the pack zip, and the wheels maturin cross-links with zig.
PACK_DIR := Packs/DORABridge
PACK_VERSION = $(shell sed -n 's/^ *"currentVersion": *"\([^"]*\)".*/\1/p' $(PACK_DIR)/pack_metadata.json)
PACK_ZIP = dist/DORABridge-$(PACK_VERSION).zip
# The image of the pack's core integrations and scripts, set here and nowhere else: the source
# ymls name the custom image of this core version (scripts/check-dockerfile.sh keeps them so), and
# `make pack DOCKER_IMAGE=demisto/dora-bridge:1.0.0.<build>` switches the zip to another one.
CORE_VERSION = $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -1)
CUSTOM_IMAGE = dorabridge/xsoar-python3:$(CORE_VERSION)
DOCKER_IMAGE ?= $(CUSTOM_IMAGE)
ZIGLANG_VERSION := 0.15.2
AUDITWHEEL_VERSION := 6.8.2
TWINE_VERSION := 7.0.0
RELEASE_TOOLS := $(VENV)/.release-tools-zig$(ZIGLANG_VERSION)-auditwheel$(AUDITWHEEL_VERSION)-twine$(TWINE_VERSION)

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(DEPS): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The Rust the core needs (Cargo.toml rust-version); checked first so that a machine without it,
# or with an older one (Debian 12's packaged rustc is 1.63), gets the way out, not a build error.
RUST_VERSION := $(shell sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)

setup: $(DEPS) ## create .venv, install the tools, build the Rust extension into it
	@v=$$( (cargo --version 2>/dev/null || true) | awk '{print $$2}'); \
	if [ -z "$$v" ] || [ "$$(printf '%s\n%s\n' "$(RUST_VERSION)" "$$v" | sort -V | head -1)" != "$(RUST_VERSION)" ]; then \
	  echo "setup: DORA Bridge needs Rust $(RUST_VERSION) or later for the user $$(id -un), found: $${v:-no usable cargo}."; \
	  echo "  Install it for this user with rustup (https://rustup.rs): curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal"; \
	  echo "  then open a new shell (or run: . \"$$HOME/.cargo/env\") and run make again."; \
	  exit 1; \
	fi
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/maturin develop --release --quiet

demo: setup ## run the main job end to end against a local SOCRadar-compatible server
	@if $(PG) start; then $(WITH_PG) $(PY) -m devtools.demo; \
	else echo "PostgreSQL could not be started: the demo runs without the transaction-scope connector."; \
	$(PY) -m devtools.demo; fi

test: setup lint ## every test and check: cargo test, clippy, pytest at two anchors, stubtest, demisto-sdk validate, make pack, make fuzz
	DORA_PG_ANCHOR=$(TEST_ANCHOR) $(PG) start
	$(WITH_PG) PROPTEST_CASES=$(PROPTEST_CASES) cargo test --quiet
	$(WITH_PG) DORA_TEST_ANCHOR=$(TEST_ANCHOR) HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(PY) -m pytest -q
	$(AT_SECOND_ANCHOR)
	scripts/validate-pack.sh
	$(PY) scripts/check-coexistence.py
	$(MAKE) --no-print-directory pack
	$(MAKE) --no-print-directory fuzz

test-ahead: setup ## the suites that deal in dates again, at AHEAD_ANCHOR (a year from now)
	$(AT_SECOND_ANCHOR)

fuzz: setup ## a short cargo-fuzz run of every fuzz target (FUZZ_SECONDS each; nightly toolchain)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-smoke.sh

lint: setup ## formatting, clippy, ruff, and the stub checked against the built module
	cargo fmt --check
	cargo clippy --all-targets --quiet -- -D warnings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy.stubtest dora_bridge._core

pack: $(DEPS) ## the uploadable pack zip in dist/, checked; DOCKER_IMAGE=demisto/dora-bridge:1.0.0.1 for the Marketplace image
	scripts/build-pack.sh $(PACK_ZIP)
	$(PY) scripts/set-pack-image.py $(PACK_ZIP) --from $(CUSTOM_IMAGE) --to $(DOCKER_IMAGE)
	$(PY) scripts/check-pack-zip.py $(PACK_ZIP) --pack $(PACK_DIR) --docker-image $(DOCKER_IMAGE)
	scripts/check-dockerfile.sh

$(RELEASE_TOOLS): $(DEPS)
	$(PY) -m pip install --quiet --disable-pip-version-check ziglang==$(ZIGLANG_VERSION) auditwheel==$(AUDITWHEEL_VERSION) twine==$(TWINE_VERSION)
	rm -f $(VENV)/.release-tools-*
	touch $@

wheels: $(RELEASE_TOOLS) ## release wheels and sdist in dist/: manylinux2014 abi3 (zig), musllinux if its Rust std exists; checked, twine check
	scripts/build-wheels.sh
	scripts/check-wheel.sh
	$(VENV)/bin/twine check --strict dist/dora_bridge-$(CORE_VERSION)-*.whl dist/dora_bridge-$(CORE_VERSION).tar.gz

bench: setup ## measure the core against the pure-Python baseline in benches/ and write BENCHMARKS.md
	$(PY) -m benches.run

fmt: setup ## format Rust and Python sources
	cargo fmt
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove build outputs and virtual environments, stop the test database
	-$(PG) remove
	cargo clean
	rm -rf fuzz/target
	rm -rf $(VENV) .venv-sdk .pytest_cache .hypothesis .ruff_cache .mypy_cache dist .pg demo-output

.PHONY: help setup demo test test-ahead lint pack wheels fuzz bench fmt clean
