"""Training data from a capture: a recording (``core.recording``) checked and normalised into a :class:`Capture`,
which ``datasets.make_dataset("file", path=...)`` turns into the ``file`` data set (docs/training.md,
"Training on your own capture").

What a capture must be (each violation is a :class:`CaptureError`, a ``ValueError``, that says which and what
to do):

- readable: the file(s) exist, SigMF metadata is valid JSON the ``sigmf`` package accepts;
- complex (I/Q) and one channel (SigMF ``core:datatype`` complex, ``core:num_channels`` = 1);
- finite: no NaN or Inf sample (the first bad index is named; trim or fix the capture);
- long enough: at least :data:`MIN_CAPTURE_SAMPLES` samples, and with labels at least
  :data:`MIN_PER_SYMBOL` samples of every constellation point;
- not silent (mean power > 0).

Normalisation: the samples are scaled by ``power_scale = 1/sqrt(mean |z|^2)`` to unit average power (model
units = power_scale x physical units; stored as ``ddpm.power_scale``; the denoiser applies it at inference,
docs/denoiser.md). With labels, the mean of the normalised samples of each symbol (``capacity.capture_centres``
with one centre per symbol) becomes the model's constellation, in the order of the labels' constellation, so
symbol i keeps the bit labels of index i of that constellation (``ddpm.bits_per_symbol``).

For the denoiser's noise estimator the dataset also records the data's kurtosis E|x|^4/(E|x|^2)^2
(``ddpm.signal_kurtosis``) and, with labels, the decision-directed floor mean_k min_j |x_k - c_j|^2 of the
clean data (``ddpm.dd_floor``): a recording's clusters are not points (docs/model-format.md).
"""
import os
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.core.capacity import capture_centres
from gnuradio.ddpm.core.recording import RecordingError, read_recording

__all__ = ["Capture", "CaptureError", "load_capture", "estimator_metadata", "describe", "MIN_CAPTURE_SAMPLES",
           "MIN_PER_SYMBOL"]

#: fewest samples a capture may have: 1024 samples estimate the power to about 3 % and give a 16-point
#: constellation about 64 samples per point; far more (10^5) are needed for a good model (docs/training.md)
MIN_CAPTURE_SAMPLES = 1024
#: fewest samples of each constellation point in a labelled capture (its centre's estimate)
MIN_PER_SYMBOL = 16


class CaptureError(ValueError):
    """A capture that cannot be trained on (the message names the file, the problem and the fix)."""


@dataclass
class Capture:
    """A checked capture, normalised to unit average power.

    points: complex128 [K] samples in model units. power_scale: model units per physical unit
    (1/sqrt(power)). params: dict {file, samples, power (mean |z|^2, physical), labels (constellation name,
    with labels)}. constellation: complex128 [M] learned centres in model units, or None. bits_per_symbol:
    log2 M or 0. extra_metadata: dict str -> str of :func:`estimator_metadata`.
    """
    points: np.ndarray
    power_scale: float
    params: dict
    constellation: np.ndarray = None
    bits_per_symbol: int = 0
    extra_metadata: dict = field(default_factory=dict)


def estimator_metadata(x, constellation=None):
    """The noise estimator's statistics of clean training data, as model metadata.

    x: complex [K] training data in model units (unit average power). constellation: complex [M] in model
    units or None. Returns dict str -> str: ``ddpm.signal_kurtosis`` (E|x|^4/(E|x|^2)^2) and, with a
    constellation, ``ddpm.dd_floor`` (mean min_j |x - c_j|^2).
    """
    x = np.asarray(x, dtype=np.complex128).reshape(-1)
    a = np.abs(x) ** 2
    meta = {"ddpm.signal_kurtosis": repr(float(np.mean(a * a) / np.mean(a) ** 2))}
    if constellation is not None:
        c = np.asarray(constellation, dtype=np.complex128).reshape(-1)
        floor = 0.0
        for s in range(0, x.size, 1 << 16):                       # bounded memory: K x M in chunks
            floor += float(np.sum(np.min(np.abs(x[s:s + (1 << 16), None] - c[None, :]) ** 2, axis=1)))
        meta["ddpm.dd_floor"] = repr(floor / x.size)
    return meta


def load_capture(path, max_samples=None):
    """Read, check and normalise the recording ``path`` (``core.recording.read_recording`` formats).
    max_samples: use at most this many samples (None: all). Returns :class:`Capture`; raises CaptureError.
    """
    path = os.fspath(path)
    try:
        rec = read_recording(path, max_samples)
    except RecordingError as e:
        raise CaptureError(str(e)) from None
    z = rec.samples
    bad = ~np.isfinite(z)
    if bad.any():
        raise CaptureError(f"capture '{path}' has {int(bad.sum())} NaN/Inf sample(s), the first at index "
                           f"{int(np.argmax(bad))}: trim or fix the capture (a recording must be finite)")
    if z.size < MIN_CAPTURE_SAMPLES:
        raise CaptureError(f"capture '{path}' is too short: {z.size} samples, at least {MIN_CAPTURE_SAMPLES} "
                           f"needed (10^5 or more for a good model; docs/training.md)")
    power = float(np.mean(np.abs(z) ** 2))
    if not (power > 0 and np.isfinite(power)):
        raise CaptureError(f"capture '{path}' has zero (or non-finite) power: nothing to learn")
    scale = 1.0 / np.sqrt(power)
    x = z * scale
    params = {"file": os.path.basename(path), "samples": int(z.size), "power": power}
    ds = Capture(points=x, power_scale=float(scale), params=params)
    if rec.labels is not None:
        ref = constellations.by_name(rec.constellation)
        m = ref.size
        bits = int(round(np.log2(m)))
        if 2 ** bits != m:
            raise CaptureError(f"labels of '{path}' index {rec.constellation} ({m} points): the model file needs "
                               f"a power-of-two constellation (bits per symbol)")
        counts = np.bincount(rec.labels, minlength=m)
        if counts.min() < MIN_PER_SYMBOL:
            few = [int(i) for i in np.flatnonzero(counts < MIN_PER_SYMBOL)]
            raise CaptureError(f"capture '{path}': symbol(s) {few[:8]}{' ...' if len(few) > 8 else ''} of "
                               f"{rec.constellation} have fewer than {MIN_PER_SYMBOL} samples (least: "
                               f"{int(counts.min())}); record more symbols")
        centres = capture_centres(rec.labels, x, ref, per_symbol=1)[0][:, 0]
        d = np.abs(centres[:, None] - centres[None, :])
        np.fill_diagonal(d, np.inf)
        if not d.min() > 1e-6:
            raise CaptureError(f"capture '{path}': two symbols have the same learned centre; are the labels "
                               f"those of the transmitted symbols?")
        ds.constellation = centres
        ds.bits_per_symbol = bits
        params["labels"] = rec.constellation
    ds.extra_metadata = estimator_metadata(x, ds.constellation)
    return ds


def describe(ds):
    """One line about a capture data set (a :class:`Capture` or the ``file`` Dataset): samples, power, and with
    labels the learned centres' distance from the ideal points (EVM, dB) and the clean spread (dd_floor, dB)."""
    p = ds.params
    line = f"capture {p.get('file')}: {p.get('samples')} samples, power {p.get('power', float('nan')):.4g}"
    if ds.constellation is not None and p.get("labels"):
        ref = constellations.by_name(p["labels"])
        evm = np.mean(np.abs(ds.constellation - ref) ** 2) / np.mean(np.abs(ref) ** 2)
        floor = float(ds.extra_metadata.get("ddpm.dd_floor", "nan"))
        spread = f"{10 * np.log10(floor):.1f} dB" if floor > 1e-9 else "none (one point per symbol)"
        line += (f", labels {p['labels']}: learned centres {10 * np.log10(max(evm, 1e-30)):.1f} dB from the ideal "
                 f"points, spread around them {spread}")
    else:
        line += ", no labels (no constellation: hard decisions and the shaper need one)"
    return line
