"""Read and validate a gr-ddpm model file (docs/model-format.md, version 1) in Python, through the C++ reader.

``load_model(path) -> Model``; every problem raises :class:`ModelFormatError` (a ValueError) whose message is the
C++ reader's (``gnuradio.ddpm.model.load``): it names the file and contains the phrase listed in
docs/model-format.md ("Errors"). There is one model reader: this module only checks that the path is a regular
file (so a FIFO, a device or a directory is refused before anything opens it) and copies the C++ model's
fields into numpy arrays.
"""
import os
import stat
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.ddpm_python import ModelError, model as native_model
from gnuradio.ddpm.modelfile.schedule import start_step

__all__ = ["Model", "ModelFormatError", "load_model"]


class ModelFormatError(ValueError):
    """A model file that cannot be used; the message names the file and the problem."""


@dataclass
class Model:
    """A loaded model file.

    path: absolute path. T, hidden, depth: ints. betas: float64 [T], exactly as stored.
    alpha_bar: float64 [T] = cumprod(1 - betas). constellation: complex128 [M] (model units, the C++
    reader's complex64 values) or None.
    bits_per_symbol: int (0 without constellation). power_scale: float (model = power_scale x physical).
    dataset: str. metadata: dict str -> str (all metadata_props). weights: dict name -> float32 ndarray
    (``layers.{l}.weight`` [H, in], ``layers.{l}.bias`` [H], ``embeddings.{l}`` [T, H], ``out.weight``
    [2, H], ``out.bias`` [2]).
    """
    path: str
    T: int
    hidden: int
    depth: int
    betas: np.ndarray
    alpha_bar: np.ndarray
    constellation: object
    bits_per_symbol: int
    power_scale: float
    dataset: str
    metadata: dict = field(repr=False)
    weights: dict = field(repr=False)

    def start_step(self, noise_var):
        """SNR-matched start step (docs/sampling.md): float [N] or scalar -> int64 [N]."""
        return start_step(self.alpha_bar, noise_var)


def _check_regular_file(path):
    """ModelFormatError unless `path` is an existing regular file (stat follows symbolic links). Nothing is
    opened: a FIFO would block an open(), a character device (/dev/zero) has no size to bound a read."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise ModelFormatError(f"{path}: cannot open: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ModelFormatError(f"{path}: cannot open: is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise ModelFormatError(f"{path}: cannot open: not a regular file (a FIFO, device or socket)")


def load_model(path):
    """Load and validate a model file: str/PathLike -> Model. Raises ModelFormatError.

    The file is read and checked by the C++ reader (``gnuradio.ddpm.model.load``, the GIL released while it
    reads and parses); the result is copied: betas and alpha_bar float64 [T] exactly as the C++ reader holds
    them, constellation complex128 [M] or None, weights float32 arrays under the initializer names.
    """
    try:
        path = os.path.abspath(os.fspath(path))
    except TypeError as e:
        raise ModelFormatError(f"{path!r}: cannot open: {e}") from None
    _check_regular_file(path)
    try:
        m = native_model.load(path)
    except ModelError as e:
        msg = str(e)
        if path not in msg:   # the message always names the file, even if the C++ one does not
            msg = f"{path}: {msg or 'rejected by the C++ model reader (no message)'}"
        raise ModelFormatError(msg) from None
    depth = int(m.depth)
    weights = {}
    for l in range(depth):
        weights[f"layers.{l}.weight"] = np.array(m.weight(l), dtype=np.float32)
        weights[f"layers.{l}.bias"] = np.array(m.bias(l), dtype=np.float32)
        weights[f"embeddings.{l}"] = np.array(m.embedding(l), dtype=np.float32)
    weights["out.weight"] = np.array(m.out_weight, dtype=np.float32)
    weights["out.bias"] = np.array(m.out_bias, dtype=np.float32)
    bps = int(m.bits_per_symbol)
    const = np.asarray(m.constellation).astype(np.complex128) if bps else None
    return Model(path=path, T=int(m.T), hidden=int(m.hidden), depth=depth,
                 betas=np.array(m.betas, dtype=np.float64), alpha_bar=np.array(m.alpha_bar, dtype=np.float64),
                 constellation=const, bits_per_symbol=bps, power_scale=float(m.power_scale),
                 dataset=str(m.dataset), metadata=dict(m.metadata_map), weights=weights)
