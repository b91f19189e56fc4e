"""Training data sets for the DDPM trainer: 2-D points (I, Q) in model units, unit average power.

A data set is a :class:`Dataset`; ``ds.sample(n, rng)`` draws ``n`` i.i.d. training points as float32
[n, 2] from a ``numpy.random.Generator``. Names (``make_dataset``):

- ``qamM`` (M in 4, 16, 64, 256, ...) and ``pskM``: uniform symbols of the Gray-mapped constellation
  (``gnuradio.ddpm.core.constellations``), unit average power.
- ``qamM_qB`` / ``pskM_qB``: the same points passed through the injector's B-bit quantiser
  ``constellations.quantise(points, B, full_scale)`` (full_scale default 1.0); the quantised points are
  the data (not re-normalised) and are recorded as the constellation.
- ``swissroll``: the 2-D swiss roll (t in [1.5 pi, 4.5 pi], (t cos t, t sin t) + N(0, 0.5^2) per axis),
  scaled to unit average power with the exact second moment of that distribution.
- ``file``: a user's capture (``training.capture.load_capture``: raw complex64 ``.cfile``/``.fc32``/...,
  or SigMF ``.sigmf-meta``/``.sigmf-data`` read with the ``sigmf`` package, optionally with symbol
  labels), checked (finite, long enough, complex, one channel), scaled to unit average power; model units
  = power_scale x physical units. With labels the learned per-symbol centres are the constellation.
"""
import os
import re
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.training.capture import CaptureError, load_capture

__all__ = ["Dataset", "DatasetError", "make_dataset", "SWISSROLL_NOISE"]

SWISSROLL_NOISE = 0.5


class DatasetError(ValueError):
    """Unknown data set name, bad options, or an unreadable/empty recording."""


@dataclass
class Dataset:
    """A training data set.

    name: the ``ddpm.dataset`` value ('qam16', 'qam16_q4', 'psk8', 'swissroll', 'file').
    params: JSON-able dict written as ``ddpm.dataset_params``.
    power_scale: model units = power_scale x physical units.
    constellation: complex128 [M] in model units, or None.
    bits_per_symbol: log2(M) or 0.
    points: complex128 [K] finite support to draw uniformly from, or None (then ``sampler`` is used).
    extra_metadata: dict str -> str of more model metadata (a capture's noise-estimator statistics).
    """
    name: str
    params: dict
    power_scale: float = 1.0
    constellation: np.ndarray = None
    bits_per_symbol: int = 0
    points: np.ndarray = None
    sampler: object = field(default=None, repr=False)
    extra_metadata: dict = field(default_factory=dict)

    def sample(self, n, rng):
        """n i.i.d. training points: float32 [n, 2] (I, Q), from numpy Generator ``rng``."""
        if self.points is not None:
            z = self.points[rng.integers(0, self.points.shape[0], size=n)]
        else:
            z = self.sampler(n, rng)
        return np.stack([z.real, z.imag], axis=1).astype(np.float32)


def _swissroll_sampler(n, rng):
    a, b = 1.5 * np.pi, 4.5 * np.pi
    # exact E|z|^2 = E[t^2] + 2 noise^2 with t ~ U[a, b]
    power = (b ** 3 - a ** 3) / (3.0 * (b - a)) + 2.0 * SWISSROLL_NOISE ** 2
    t = rng.uniform(a, b, size=n)
    z = t * np.cos(t) + 1j * t * np.sin(t)
    z = z + SWISSROLL_NOISE * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    return z / np.sqrt(power)


_CONST_RE = re.compile(r"^(qam|psk)(\d+)?(?:_q(\d+))?$")


def make_dataset(name, order=None, bits=None, full_scale=1.0, path=None, max_samples=None):
    """Build a data set by name.

    name: 'qam', 'qam16', 'psk8', 'qam16_q4', 'swissroll', 'file' (needs ``path``) or the path of a
    recording. order: constellation order when ``name`` is 'qam'/'psk' without one. bits: quantiser bits
    (0/None = none) when not in the name. full_scale: quantiser full scale (model units).
    Raises DatasetError (a ValueError) for unknown names, bad options and unreadable files.
    """
    name = str(name)
    m = _CONST_RE.match(name)
    if m:
        kind = m.group(1)
        if m.group(2) is not None:
            if order is not None and int(order) != int(m.group(2)):
                raise DatasetError(f"dataset '{name}' conflicts with order {order}")
            order = int(m.group(2))
        if order is None:
            order = 16 if kind == "qam" else 8
        if m.group(3) is not None:
            bits = int(m.group(3))
        bits = int(bits or 0)
        try:
            pts = constellations.qam(order) if kind == "qam" else constellations.psk(order)
            if bits:
                pts = constellations.quantise(pts, bits, float(full_scale))
        except ValueError as e:
            raise DatasetError(str(e)) from None
        params = {"order": int(order)}
        ds_name = f"{kind}{order}"
        if bits:
            params.update(bits=bits, full_scale=float(full_scale))
            ds_name += f"_q{bits}"
        return Dataset(name=ds_name, params=params, power_scale=1.0, constellation=pts,
                       bits_per_symbol=int(round(np.log2(order))), points=pts)
    if name == "swissroll":
        return Dataset(name="swissroll", params={"noise": SWISSROLL_NOISE}, sampler=_swissroll_sampler)
    if name == "file" or os.path.sep in name or re.search(r"\.(cfile|fc32|sigmf-meta|sigmf-data)$", name):
        if name != "file":
            path = name
        if path is None:
            raise DatasetError("dataset 'file' needs a recording (--file PATH)")
        try:
            cap = load_capture(path, max_samples)
        except CaptureError as e:
            raise DatasetError(str(e)) from None
        return Dataset(name="file", params=cap.params, power_scale=cap.power_scale, points=cap.points,
                       constellation=cap.constellation, bits_per_symbol=cap.bits_per_symbol,
                       extra_metadata=cap.extra_metadata)
    raise DatasetError(f"unknown dataset '{name}' (use qamM, pskM, qamM_qB, swissroll, or file with --file)")
