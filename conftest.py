"""pytest configuration shared by python/ddpm/qa_*.py and tests/.

- tests/fixtures/ is on sys.path, so tests `import ddpm_fixtures` (the model-file generator) directly.
- The QA files live in the package source (python/ddpm/**/qa_*.py). pytest (importlib mode) names them after
  their folders ("ddpm.core.qa_ccdm") and imports their parent packages first; those names are bound here to
  the installed, built packages (gnuradio.ddpm.*, with the binding and the generated _version.py), so a QA
  file always tests what was built and installed, never a half copy from the source tree.
- `sanitizer_program(kind)`: builds (incrementally) and returns a clang sanitizer program of fuzz/build.sh.
"""
import importlib
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))

_PACKAGE_SOURCE = os.path.join(ROOT, "python", "ddpm")
for _dir, _subdirs, _files in os.walk(_PACKAGE_SOURCE):
    _subdirs[:] = [d for d in _subdirs if os.path.isfile(os.path.join(_dir, d, "__init__.py"))]
    if "__init__.py" in _files:
        _rel = os.path.relpath(_dir, _PACKAGE_SOURCE).replace(os.sep, ".")
        _suffix = "" if _rel == "." else "." + _rel
        sys.modules["ddpm" + _suffix] = importlib.import_module("gnuradio.ddpm" + _suffix)


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
