# gr-ddpm: the two commands a newcomer needs are `make demo` and `make test`.
# Each sets up everything first (Debian packages, .venv, build + install into ./install), then runs its job.
SHELL := /bin/bash
BUILD_DIR ?= build
PREFIX ?= install
export BUILD_DIR PREFIX
ENV := . scripts/env.sh &&
PYTEST_ARGS ?=

.PHONY: all setup build demo test test-isa test-cpp test-python models models-mimo bench clean

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

## make test-isa: the whole suite (ctest + pytest) once per kernel ISA this CPU has (DDPM_KERNEL_ISA =
## generic, avx2, avx512). Runs below AVX-512 also switch numpy's own AVX-512 (and, for generic, AVX/AVX2/FMA)
## loops off, so a machine with AVX-512 reproduces the floating-point results of one without.
test-isa: build
	@scripts/test_isa.sh

test-cpp: build
	@cd $(BUILD_DIR) && ctest --output-on-failure

test-python: build
	@$(ENV) python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

## make models: retrain every shipped model from fixed seeds into models/ (and the learned-hardware demo model)
models: build
	@$(ENV) python -m gnuradio.ddpm.training.train --all-shipped --out models
	@$(ENV) python -m gnuradio.ddpm.evaluation.hardware --make-model models/qam16_cheap_sdr.onnx

## make models-mimo: retrain the MIMO channel denoiser and its supervised baseline (docs/mimo.md)
models-mimo: build
	@$(ENV) nice python -m gnuradio.ddpm.training.train --dataset mimo --scene street \
	    --out models/mimo_street.onnx --supervised-out models/mimo_street_sup.onnx
	@$(ENV) nice python -m gnuradio.ddpm.training.train --dataset mimo --scene mixed \
	    --out models/mimo_mixed.onnx --supervised-out models/mimo_mixed_sup.onnx

## make bench: benchmarks (not tests): ratios measured side by side in one run
bench: build
	@$(ENV) python bench/bench_kernel.py && python bench/bench_flowgraph.py && python bench/bench_denoiser.py

clean:
	rm -rf $(BUILD_DIR) $(PREFIX)
