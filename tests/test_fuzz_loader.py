#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Short coverage-guided fuzz run of the C++ model reader (fuzz/fuzz_model_loader.cc, libFuzzer + ASan + UBSan).

The harness aborts on any accepted model that breaks an invariant and on any rejection whose message is not one
of docs/model-format.md's documented errors; the sanitizers abort on memory errors and undefined behaviour. So a
clean run = 0 crashes, 0 sanitizer reports, only documented errors. The long run (10 minutes) and its figures:
docs/reliability.md.

The fuzzer is built with clang-14 (fuzz/build.sh; scripts/setup.sh installs clang-14 and libclang-rt-14-dev).
Without clang the tests are skipped with the reason.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ_SECONDS = int(os.environ.get("DDPM_FUZZ_SECONDS", "20"))
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "FUZZ FINDING",
                     "ERROR: libFuzzer", "deadly signal")


@pytest.fixture(scope="module")
def fuzzer(sanitizer_program):
    return sanitizer_program("fuzz", timeout=600)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    d = tmp_path_factory.mktemp("seeds")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "fuzz", "seed_corpus.py"), str(d), "--small"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip()) >= 40            # fixtures + every malformed variant + edge models
    return d


def _clean(log):
    return not any(m in log for m in SANITIZER_MARKERS)


def test_every_seed_passes_the_oracle(fuzzer, seeds):
    """Each seed (valid and malformed) once: valid files pass the invariants, bad ones give documented errors."""
    files = sorted(str(p) for p in seeds.iterdir())
    r = subprocess.run([fuzzer] + files, capture_output=True, text=True, timeout=120)
    log = r.stdout + r.stderr
    assert r.returncode == 0 and _clean(log), log[-4000:]
    assert log.count("Executed ") == len(files)


def test_oracle_catches_an_undocumented_error(fuzzer, tmp_path):
    """The oracle is not vacuous: a valid and a truncated model pass; with DDPM_FUZZ_SELFTEST every rejection
    counts as undocumented, and the harness must abort on the truncated one."""
    good = os.path.join(ROOT, "tests", "fixtures", "tiny_h8_d2_t10.onnx")
    data = open(good, "rb").read()
    (tmp_path / "trunc").write_bytes(data[: len(data) // 2])
    r = subprocess.run([fuzzer, good, str(tmp_path / "trunc")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and _clean(r.stdout + r.stderr)
    env = dict(os.environ, DDPM_FUZZ_SELFTEST="1")
    r = subprocess.run([fuzzer, str(tmp_path / "trunc")], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode != 0 and "FUZZ FINDING: undocumented error message" in r.stderr


def test_short_fuzz_run(fuzzer, seeds, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    r = subprocess.run([fuzzer, f"-max_total_time={FUZZ_SECONDS}", "-print_final_stats=1", "-timeout=10",
                        "-rss_limit_mb=2048", f"-artifact_prefix={tmp_path}/", str(corpus), str(seeds)],
                       capture_output=True, text=True, timeout=FUZZ_SECONDS + 120)
    log = r.stdout + r.stderr
    assert r.returncode == 0 and _clean(log), log[-4000:]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("crash-", "leak-", "timeout-", "oom-"))]
    execs = int(re.search(r"stat::number_of_executed_units:\s+(\d+)", log).group(1))
    cov = [int(c) for c in re.findall(r"cov: (\d+)", log)]
    # a healthy run executes thousands of inputs per second and finds new coverage beyond the seeds
    assert execs >= 100 * FUZZ_SECONDS, log[-2000:]
    assert cov and cov[-1] > cov[0], log[-2000:]
