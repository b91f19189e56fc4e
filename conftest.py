"""pytest configuration shared by python/ddpm/qa_*.py and tests/.

- tests/fixtures/ is on sys.path, so tests `import ddpm_fixtures` (the model-file generator) directly.
- `sanitizer_program(kind)`: builds (incrementally) and returns a clang sanitizer program of fuzz/build.sh.
"""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))


@pytest.fixture(scope="session")
def sanitizer_program():
    """Callable kind ('fuzz' | 'tsan') -> path of the program fuzz/build.sh makes in $BUILD_DIR/fuzz.

    Skips when clang++-14 is missing (scripts/setup.sh installs clang-14 and libclang-rt-14-dev).
    """
    def build(kind, timeout=900):
        if shutil.which(os.environ.get("CXX", "clang++-14")) is None:
            pytest.skip("clang++-14 not installed (scripts/setup.sh deps installs clang-14 libclang-rt-14-dev)")
        out = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"), "fuzz")
        r = subprocess.run([os.path.join(ROOT, "fuzz", "build.sh"), out, kind], capture_output=True, text=True,
                           timeout=timeout)
        assert r.returncode == 0, r.stderr[-3000:]
        return r.stdout.strip().splitlines()[-1]
    return build
