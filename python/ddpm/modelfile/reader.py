"""Read and validate a gr-ddpm model file (docs/model-format.md, version 1) in Python.

``load_model(path) -> Model``; every problem raises :class:`ModelFormatError` (a ValueError) whose
message names the file and contains the phrase listed in docs/model-format.md ("Errors").
"""
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.modelfile.format import (ARCH, FORMAT_VERSION, MAX_FILE_BYTES, META_PREFIX, PREDICTION,
                                           REQUIRED_KEYS, initializer_shapes)
from gnuradio.ddpm.modelfile.schedule import start_step

__all__ = ["Model", "ModelFormatError", "load_model"]



class ModelFormatError(ValueError):
    """A model file that cannot be used; the message names the file and the problem."""


@dataclass
class Model:
    """A loaded model file.

    path: absolute path. T, hidden, depth: ints. betas: float64 [T], exactly as stored.
    alpha_bar: float64 [T] = cumprod(1 - betas). constellation: complex128 [M] (model units) or None.
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


def _err(path, msg):
    return ModelFormatError(f"{msg} (model file '{path}')")


def _int_meta(path, meta, key, lo=None):
    v = meta[key]
    try:
        i = int(v.strip())
        if str(i) != v.strip() and v.strip() != f"+{i}":
            raise ValueError
    except ValueError:
        raise _err(path, f"bad metadata '{key}': '{v[:40]}' is not an integer") from None
    if lo is not None and i < lo:
        raise _err(path, f"bad metadata '{key}': {i} < {lo}")
    return i


def load_model(path):
    """Load and validate a model file: str/PathLike -> Model. Raises ModelFormatError."""
    import onnx
    from onnx import numpy_helper
    from google.protobuf.message import DecodeError

    path = os.path.abspath(os.fspath(path))
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise _err(path, f"not an ONNX model: file is {size} bytes (> {MAX_FILE_BYTES})")
        with open(path, "rb") as f:
            data = f.read()
    except ModelFormatError:
        raise
    except OSError as e:
        raise _err(path, f"cannot open: {e.strerror or e}") from None
    if not data:
        raise _err(path, "not an ONNX model: the file is empty")
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as e:
        raise _err(path, f"not an ONNX model: {e or 'protobuf parse error'}") from None
    if proto.ir_version <= 0 or not proto.HasField("graph"):
        raise _err(path, "not an ONNX model: no IR version or no graph")

    meta = {}
    for p in proto.metadata_props:  # the first occurrence of a key wins, as in the C++ reader
        meta.setdefault(p.key, p.value)
    for k in REQUIRED_KEYS:
        if META_PREFIX + k not in meta:
            raise _err(path, f"missing metadata 'ddpm.{k}'")
    if _int_meta(path, meta, "ddpm.format_version") != FORMAT_VERSION:  # "one": bad metadata, as in C++
        raise _err(path, f"unsupported format version '{meta['ddpm.format_version'][:40]}' "
                         f"(this reader knows {FORMAT_VERSION})")
    if meta["ddpm.arch"].strip() != ARCH:
        raise _err(path, f"unsupported architecture '{meta['ddpm.arch'][:60]}' (this reader knows {ARCH})")
    if meta["ddpm.prediction"].strip() != PREDICTION:
        raise _err(path, f"unsupported prediction '{meta['ddpm.prediction'][:40]}' (only '{PREDICTION}')")
    T = _int_meta(path, meta, "ddpm.T", 1)
    hidden = _int_meta(path, meta, "ddpm.hidden", 1)
    depth = _int_meta(path, meta, "ddpm.depth", 1)
    _int_meta(path, meta, "ddpm.opset", 1)
    _int_meta(path, meta, "ddpm.train_seed")

    try:
        betas_list = json.loads(meta["ddpm.betas"])
        if not isinstance(betas_list, list) or not all(
                isinstance(b, (int, float)) and not isinstance(b, bool) for b in betas_list):
            raise ValueError("not a JSON array of numbers")
        betas = np.array(betas_list, dtype=np.float64)
    except (ValueError, RecursionError) as e:  # RecursionError: deeply nested "[[[[..."
        raise _err(path, f"bad metadata 'ddpm.betas': {e}") from None
    if betas.shape[0] != T:
        raise _err(path, f"bad metadata 'ddpm.betas': {betas.shape[0]} values but ddpm.T = {T}")
    if not (np.all(np.isfinite(betas)) and np.all(betas > 0) and np.all(betas < 1)):
        raise _err(path, "bad metadata 'ddpm.betas': every beta must be in (0, 1)")
    alpha_bar = np.cumprod(1.0 - betas)

    try:
        power_scale = float(meta["ddpm.power_scale"])
    except ValueError:
        power_scale = math.nan
    if not (math.isfinite(power_scale) and power_scale > 0):
        raise _err(path, f"bad metadata 'ddpm.power_scale': '{meta['ddpm.power_scale'][:40]}' is not a "
                         "finite number > 0")

    constellation, bps = None, 0
    if "ddpm.constellation" in meta:
        try:
            c = np.array(json.loads(meta["ddpm.constellation"]), dtype=np.float64)
            if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 1 or not np.all(np.isfinite(c)):
                raise ValueError("need a non-empty JSON array of finite [I, Q] pairs")
        except (ValueError, TypeError, RecursionError) as e:
            raise _err(path, f"bad metadata 'ddpm.constellation': {e}") from None
        constellation = c[:, 0] + 1j * c[:, 1]
        if "ddpm.bits_per_symbol" not in meta:
            raise _err(path, "missing metadata 'ddpm.bits_per_symbol'")
        bps = _int_meta(path, meta, "ddpm.bits_per_symbol", 1)
        if bps > 24 or (1 << bps) != constellation.shape[0]:
            raise _err(path, f"bad metadata 'ddpm.bits_per_symbol': {bps} bits but "
                             f"{constellation.shape[0]} constellation points")

    inits = {i.name: i for i in proto.graph.initializer}
    weights = {}
    for name, shape in initializer_shapes(T, hidden, depth):
        if name not in inits:
            raise _err(path, f"missing initializer '{name}'")
        ini = inits[name]
        dims = tuple(int(d) for d in ini.dims)
        if ini.data_type != onnx.TensorProto.FLOAT:
            raise _err(path, f"bad initializer '{name}': dtype {onnx.TensorProto.DataType.Name(ini.data_type)}"
                             f", expected FLOAT")
        if dims != shape:
            raise _err(path, f"bad initializer '{name}': shape {list(dims)}, expected {list(shape)}")
        n = int(np.prod(shape))
        if ini.HasField("raw_data"):
            if len(ini.raw_data) != 4 * n:
                raise _err(path, f"bad initializer '{name}': {len(ini.raw_data)} data bytes, expected {4 * n}"
                                 f" for shape {list(shape)}")
        elif len(ini.float_data) != n:
            raise _err(path, f"bad initializer '{name}': {len(ini.float_data)} values, expected {n} for "
                             f"shape {list(shape)}")
        try:
            a = np.asarray(numpy_helper.to_array(ini), dtype=np.float32).reshape(shape)
        except Exception as e:  # noqa: BLE001 (external data, odd encodings)
            raise _err(path, f"bad initializer '{name}': {e}") from None
        if not np.all(np.isfinite(a)):
            raise _err(path, f"non-finite value in initializer '{name}'")
        weights[name] = a

    return Model(path=path, T=T, hidden=hidden, depth=depth, betas=betas, alpha_bar=alpha_bar,
                 constellation=constellation, bits_per_symbol=bps, power_scale=power_scale,
                 dataset=meta["ddpm.dataset"], metadata=meta, weights=weights)
