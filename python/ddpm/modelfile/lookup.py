"""Find a gr-ddpm model file by short name (``qam16``) or path.

The lookup is the C++ one every block uses (``gnuradio.ddpm.model.resolve_path``, lib/model_path.cc): an
existing file (or a name containing '/') as is; otherwise ``<name>.onnx`` in each directory of
``$DDPM_MODEL_PATH`` (colon-separated), then in the install prefix's ``share/gr-ddpm/models``.
``scripts/env.sh`` puts the source tree's ``models/`` first on ``$DDPM_MODEL_PATH``.
"""
import os

from gnuradio.ddpm.ddpm_python import ModelError, model

__all__ = ["find_model", "search_dirs", "SHIPPED_NAMES"]

#: the models that ship in models/ (``make models`` retrains them)
SHIPPED_NAMES = ("qam4", "qam16", "qam64", "qam256", "psk8", "qam16_q4", "swissroll")


def search_dirs():
    """Directories searched for short names, in order: list of str (may include missing ones)."""
    return list(model.search_dirs())


def find_model(name_or_path):
    """Resolve a model: str/PathLike -> absolute path (str) of an existing file.

    Raises FileNotFoundError naming the model and where it looked.
    """
    s = os.fspath(name_or_path)
    try:
        path = model.resolve_path(s)
    except ModelError as e:
        raise FileNotFoundError(f"gr-ddpm model '{s}' not found: {e}") from None
    if not os.path.isfile(path):
        raise FileNotFoundError(f"gr-ddpm model '{s}' not found: no such file {os.path.abspath(path)}")
    return os.path.abspath(path)
