# gr-ddpm: the two commands a newcomer needs are `make demo` and `make test`.
# Each sets up everything first (Debian packages, .venv, build + install into ./install), then runs its job.
SHELL := /bin/bash
BUILD_DIR ?= build
PREFIX ?= install
export BUILD_DIR PREFIX
ENV := . scripts/env.sh &&
PYTEST_ARGS ?=

.PHONY: all setup build demo test test-cpp test-python models bench clean

all: build

setup:
	@scripts/setup.sh venv

build: setup
	@scripts/setup.sh build

## make demo: headless example flowgraph; prints measured vs configured figures
demo: build
	@$(ENV) python examples/demo.py

## make test: C++ tests (ctest) and Python/flowgraph tests (pytest); fails if either fails
test: build
	@rc=0; \
	echo "== ctest (C++ tests) =="; \
	( cd $(BUILD_DIR) && ctest --output-on-failure ) || rc=1; \
	echo "== pytest (Python and flowgraph tests) =="; \
	$(ENV) python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || rc=1; \
	exit $$rc

test-cpp: build
	@cd $(BUILD_DIR) && ctest --output-on-failure

test-python: build
	@$(ENV) python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

## make models: retrain every shipped model from fixed seeds into models/
models: build
	@$(ENV) python -m gnuradio.ddpm.train --all-shipped --out models

## make bench: benchmarks (not tests): ratios measured side by side in one run
bench: build
	@$(ENV) python bench/bench_kernel.py && python bench/bench_flowgraph.py

clean:
	rm -rf $(BUILD_DIR) $(PREFIX)
