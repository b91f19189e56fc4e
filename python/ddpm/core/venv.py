"""Run a console script under the project's virtual environment when the current interpreter lacks it.

The installed scripts (ddpm-train, ddpm-eval) get the interpreter CMake was configured with
(/usr/bin/python3, which has GNU Radio but not the pinned training/evaluation packages of .venv).
"""
import importlib.util
import os
import sys

__all__ = ["reexec_in_venv"]


def reexec_in_venv(required_module, script):
    """Re-run ``script`` (path, str) under the venv's python when ``required_module`` (str) is missing here.

    The venv is $VIRTUAL_ENV, or $DDPM_ROOT/.venv (set by scripts/env.sh). Returns only when no re-exec is
    needed or possible (the caller then reports the missing package itself).
    """
    if importlib.util.find_spec(required_module) is not None or os.environ.get("DDPM_REEXEC"):
        return
    for venv in (os.environ.get("VIRTUAL_ENV"), os.path.join(os.environ.get("DDPM_ROOT", ""), ".venv")):
        py = os.path.join(venv or "", "bin", "python")
        if venv and os.path.isfile(py) and os.path.abspath(venv) != os.path.abspath(sys.prefix):
            os.environ["DDPM_REEXEC"] = "1"
            os.execv(py, [py, os.path.abspath(script)] + sys.argv[1:])
