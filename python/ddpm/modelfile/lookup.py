"""Find a gr-ddpm model file by short name (``qam16``) or path.

Search order for a name that is not an existing path: each directory of ``$DDPM_MODEL_PATH``
(colon-separated), then ``<install prefix>/share/gr-ddpm/models`` (the prefix is derived from where this
module is installed: ``<prefix>/lib/pythonX.Y/site-packages/gnuradio/ddpm``), then ``<repo>/models`` when
running from a source tree.
"""
import os

__all__ = ["find_model", "search_dirs", "SHIPPED_NAMES"]

SHIPPED_NAMES = ("qam4", "qam16", "qam64", "qam256", "psk8", "qam16_q4", "swissroll")


def _prefix_dir():
    here = os.path.dirname(os.path.abspath(__file__))          # .../gnuradio/ddpm
    parts = here.split(os.sep)
    # <prefix>/lib[64]/pythonX.Y/{site,dist}-packages/gnuradio/ddpm  or  <prefix>/lib/python3/dist-packages/...
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] in ("site-packages", "dist-packages") and i >= 2 and parts[i - 2].startswith("lib"):
            prefix = os.sep.join(parts[:i - 2]) or os.sep
            return os.path.join(prefix, "share", "gr-ddpm", "models")
    return None


def _repo_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    # source tree: <repo>/python/ddpm/modelfile/lookup.py
    repo = os.path.dirname(os.path.dirname(here))
    if os.path.isfile(os.path.join(repo, "docs", "model-format.md")):
        return os.path.join(repo, "models")
    # installed into a prefix inside the repo (<repo>/install/lib/...): walk up to a repo with docs/
    d = here
    for _ in range(8):
        d = os.path.dirname(d)
        if os.path.isfile(os.path.join(d, "docs", "model-format.md")) and os.path.isdir(os.path.join(d, "models")):
            return os.path.join(d, "models")
    return None


def search_dirs():
    """Directories searched for short names, in order: list of str (may include missing ones)."""
    dirs = [d for d in os.environ.get("DDPM_MODEL_PATH", "").split(":") if d]
    for d in (_prefix_dir(), _repo_dir()):
        if d and d not in dirs:
            dirs.append(d)
    return dirs


def find_model(name_or_path):
    """Resolve a model: str/PathLike -> absolute path (str).

    An existing file path is returned as is (absolute). Otherwise ``<name>.onnx`` (or ``name`` when it
    already ends in .onnx) is looked up in search_dirs(). Raises FileNotFoundError listing where it looked.
    """
    s = os.fspath(name_or_path)
    if os.path.isfile(s):
        return os.path.abspath(s)
    fname = s if s.endswith(".onnx") else s + ".onnx"
    looked = []
    if os.sep not in s:
        for d in search_dirs():
            p = os.path.join(d, fname)
            looked.append(p)
            if os.path.isfile(p):
                return os.path.abspath(p)
    raise FileNotFoundError(f"gr-ddpm model '{s}' not found; looked for: "
                            + ", ".join([os.path.abspath(s)] + looked))
