"""IQ recordings: the one reader and writer of captures (SigMF through the ``sigmf`` package, raw complex64).

A recording is one-channel complex baseband at one sample per symbol (after matched filter and
synchronisation), optionally with the transmitted symbol labels alongside (a labelled loopback capture,
docs/training.md). Formats:

- **SigMF** (``NAME.sigmf-meta`` + ``NAME.sigmf-data``), read and written with the ``sigmf`` package
  (requirements.txt; needed only to record or train, never by a flowgraph that just runs a model). Any
  complex ``core:datatype`` the package reads (``cf32_le`` is what :func:`write_recording` writes; fixed
  point types are scaled to [-1, 1) by the package), one channel, every capture segment and header offset
  as the package resolves them, the data checked against ``core:sha512`` when the metadata has one.
- **Labels** (optional): the global metadata key ``ddpm:labels`` (extension ``ddpm``, declared optional in
  ``core:extensions``) is an object
  ``{"file": "NAME.ddpm-labels", "datatype": "u16_le", "count": K, "constellation": "qam16"}``: a companion
  file (name relative to the metadata's folder) of K little-endian uint16 symbol indices, one per sample,
  into the module's constellation ``constellation`` (``gnuradio.ddpm.core.constellations.by_name``; index i
  carries the bits of i, MSB first, as in the model file).
- **Raw** (any other name: ``.cfile``, ``.fc32``, ``.bin``, ...): interleaved complex64, GNU Radio's file
  sink format, no labels. SigMF archives and collections (``.sigmf``, ``.sigmf-collection``) are refused:
  extract the recording first.

Every problem is a :class:`RecordingError` (a ``ValueError``) whose message names the file and the problem.
"""
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.core import constellations

__all__ = ["Recording", "RecordingError", "read_recording", "write_recording", "is_sigmf", "sigmf_paths",
           "LABELS_KEY", "LABELS_DATATYPE", "LABELS_SUFFIX"]

#: SigMF global key of the labels object (the ``ddpm`` namespace)
LABELS_KEY = "ddpm:labels"
#: datatype of the labels file: little-endian uint16 symbol indices
LABELS_DATATYPE = "u16_le"
#: suffix of the labels file written next to NAME.sigmf-data
LABELS_SUFFIX = ".ddpm-labels"

_SIGMF_RE = re.compile(r"\.sigmf-(meta|data)$")
_ARCHIVE_RE = re.compile(r"\.sigmf(-collection|\.(gz|xz|zip|tar))?$", re.IGNORECASE)


class RecordingError(ValueError):
    """A recording that cannot be used: missing or unreadable file, malformed metadata, unsupported
    datatype, several channels, real-valued data, bad labels."""


@dataclass
class Recording:
    """One recording.

    samples: complex128 [K] as stored (physical units; non-finite values are kept: the caller decides).
    labels: int64 [K] symbol indices, or None. constellation: name of the constellation the labels index
    (``constellations.by_name``), or None. sample_rate: float or None. path: the metadata (SigMF) or data
    file. meta: the SigMF global object (dict; empty for raw files).
    """
    samples: np.ndarray
    labels: np.ndarray = None
    constellation: str = None
    sample_rate: float = None
    path: str = ""
    meta: dict = field(default_factory=dict)


def is_sigmf(path):
    """True when ``path`` names a SigMF recording (ends in .sigmf-meta or .sigmf-data)."""
    return bool(_SIGMF_RE.search(os.fspath(path)))


def sigmf_paths(path):
    """(meta path, data path) of the SigMF recording named by ``path`` (either file, or the base name)."""
    base = _SIGMF_RE.sub("", os.fspath(path))
    return base + ".sigmf-meta", base + ".sigmf-data"


def _sigmf():
    try:
        import sigmf
        from sigmf import sigmffile
        from sigmf.error import SigMFError
    except ImportError as e:
        raise RecordingError(f"reading or writing SigMF needs the 'sigmf' package (pip install -r requirements.txt; "
                             f"{e}); raw complex64 files (.cfile) need nothing") from None
    return sigmf, sigmffile, SigMFError


def _read_raw(path, max_samples):
    try:
        size = os.stat(path).st_size
    except OSError as e:
        raise RecordingError(f"cannot open IQ file '{path}': {e.strerror or e}") from None
    if not os.path.isfile(path):
        raise RecordingError(f"cannot open IQ file '{path}': not a regular file")
    if size % 8:
        raise RecordingError(f"IQ file '{path}' has {size} bytes, not a whole number of complex64 samples "
                             f"(8 bytes each): truncated, or not GNU Radio's complex file format")
    try:
        z = np.fromfile(path, dtype="<c8", count=-1 if max_samples is None else int(max_samples))
    except (OSError, ValueError) as e:
        raise RecordingError(f"cannot read IQ file '{path}': {e}") from None
    return Recording(samples=z.astype(np.complex128), path=path)


def _read_labels(meta_path, spec, k):
    if not isinstance(spec, dict) or not isinstance(spec.get("file"), str) or not spec["file"]:
        raise RecordingError(f"malformed SigMF metadata '{meta_path}': '{LABELS_KEY}' must be an object with "
                             f"a 'file' name (got {spec!r})")
    if spec.get("datatype", LABELS_DATATYPE) != LABELS_DATATYPE:
        raise RecordingError(f"labels of '{meta_path}': datatype {spec.get('datatype')!r} is not supported "
                             f"(only '{LABELS_DATATYPE}')")
    name = spec.get("constellation")
    if not isinstance(name, str):
        raise RecordingError(f"malformed SigMF metadata '{meta_path}': '{LABELS_KEY}' needs 'constellation' "
                             f"(the name of the constellation the labels index, e.g. 'qam16')")
    try:
        points = constellations.by_name(name)
    except ValueError as e:
        raise RecordingError(f"labels of '{meta_path}': unknown constellation {name!r} ({e})") from None
    lpath = os.path.join(os.path.dirname(os.path.abspath(meta_path)), spec["file"])
    try:
        lab = np.fromfile(lpath, dtype="<u2")
    except OSError as e:
        raise RecordingError(f"cannot open labels file '{lpath}' named in '{meta_path}': "
                             f"{e.strerror or e}") from None
    if os.path.getsize(lpath) % 2 or lab.size != k:
        raise RecordingError(f"labels file '{lpath}' holds {os.path.getsize(lpath)} bytes = "
                             f"{os.path.getsize(lpath) / 2:g} labels, but the recording has {k} samples "
                             f"(one uint16 label per sample needed)")
    if "count" in spec and spec["count"] != k:
        raise RecordingError(f"labels of '{meta_path}': 'count' = {spec['count']!r} but the recording has "
                             f"{k} samples")
    if lab.size and int(lab.max()) >= points.size:
        raise RecordingError(f"labels file '{lpath}': label {int(lab.max())} is out of range for {name} "
                             f"({points.size} points)")
    return lab.astype(np.int64), name


def _read_sigmf(path):
    sigmf, sigmffile, SigMFError = _sigmf()
    meta_path, data_path = sigmf_paths(path)
    for p, what in ((meta_path, "metadata"), (data_path, "data")):
        if not os.path.isfile(p):
            raise RecordingError(f"cannot open SigMF {what} file '{p}': "
                                 + ("not a regular file" if os.path.exists(p) else "no such file"))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            h = sigmffile.fromfile(meta_path)
    except (SigMFError, ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        # JSONDecodeError is a ValueError; the package's validation and hash errors are SigMFErrors
        raise RecordingError(f"malformed SigMF metadata '{meta_path}': {type(e).__name__}: {e}") from None
    except OSError as e:
        raise RecordingError(f"cannot read SigMF recording '{meta_path}': {e}") from None
    if not isinstance(h, sigmffile.SigMFFile):
        raise RecordingError(f"'{meta_path}' is a SigMF collection, not one recording")
    for w in caught:                          # the package only warns about a data file that does not fit
        msg = str(w.message)
        if "integer number of samples" in msg or "ends before the final annotation" in msg:
            raise RecordingError(f"SigMF data '{data_path}' does not fit its metadata (truncated?): {msg}")
    glob = h.get_global_info()
    dtype = glob.get(sigmf.DATATYPE_KEY)
    try:
        info = sigmffile.dtype_info(dtype)
    except Exception:  # the package raises several kinds for a bad string  # noqa: BLE001
        raise RecordingError(f"SigMF recording '{meta_path}': unknown core:datatype {dtype!r} "
                             f"(write cf32_le)") from None
    if not info["is_complex"]:
        raise RecordingError(f"SigMF recording '{meta_path}': core:datatype {dtype!r} is real-valued; a "
                             f"capture must be complex baseband (I/Q), e.g. cf32_le")
    nch = glob.get(sigmf.NUM_CHANNELS_KEY, 1)
    if nch != 1:
        raise RecordingError(f"SigMF recording '{meta_path}' has core:num_channels = {nch}; only one-channel "
                             f"recordings are supported (extract one channel first)")
    k = int(h.sample_count)
    try:
        z = h.read_samples() if k > 0 else np.zeros(0, np.complex64)
    except (SigMFError, OSError, ValueError) as e:
        raise RecordingError(f"cannot read SigMF data '{data_path}': {e}") from None
    z = np.asarray(z).reshape(-1)
    rec = Recording(samples=z.astype(np.complex128), path=meta_path, meta=dict(glob),
                    sample_rate=glob.get(sigmf.SAMPLE_RATE_KEY))
    if LABELS_KEY in glob:
        rec.labels, rec.constellation = _read_labels(meta_path, glob[LABELS_KEY], z.size)
    return rec


def read_recording(path, max_samples=None):
    """Read a recording -> :class:`Recording` (samples complex128 [K], labels int64 [K] or None).

    path: ``NAME.sigmf-meta`` / ``NAME.sigmf-data`` (SigMF, with labels when the metadata has
    ``ddpm:labels``) or a raw complex64 file. max_samples: keep at most this many (None: all).
    Raises RecordingError with the file and the problem.
    """
    path = os.fspath(path)
    if _ARCHIVE_RE.search(path):
        raise RecordingError(f"'{path}' is a SigMF archive or collection; extract the recording "
                             f"(tar xf) and give its .sigmf-meta")
    rec = _read_sigmf(path) if is_sigmf(path) else _read_raw(path, max_samples)
    if max_samples is not None:
        rec.samples = rec.samples[: int(max_samples)]
        if rec.labels is not None:
            rec.labels = rec.labels[: int(max_samples)]
    return rec


def write_recording(path, samples, labels=None, constellation=None, sample_rate=None, description=None,
                    extra_global=None, overwrite=True):
    """Write a SigMF recording (``cf32_le``, one channel) and, with labels, its labels file.

    path: ``NAME``, ``NAME.sigmf-meta`` or ``NAME.sigmf-data``. samples: complex [K]. labels: int [K] in
    [0, 65535] or None; constellation: the name the labels index (required with labels). sample_rate:
    float or None. extra_global: dict of more global fields (namespaced keys). Returns the metadata path.
    Raises RecordingError (bad arguments, or the ``sigmf`` package missing), OSError when writing fails.
    """
    sigmf, sigmffile, SigMFError = _sigmf()
    meta_path, data_path = sigmf_paths(path)
    z = np.asarray(samples).reshape(-1)
    if not np.iscomplexobj(z):
        raise RecordingError("write_recording: samples must be complex")
    glob = {sigmf.DATATYPE_KEY: "cf32_le", sigmf.NUM_CHANNELS_KEY: 1}
    if sample_rate is not None:
        glob[sigmf.SAMPLE_RATE_KEY] = float(sample_rate)
    if description:
        glob[sigmf.DESCRIPTION_KEY] = str(description)
    glob.update(extra_global or {})
    if labels is not None:
        lab = np.asarray(labels).reshape(-1)
        if lab.shape != z.shape or not np.issubdtype(lab.dtype, np.integer):
            raise RecordingError(f"write_recording: labels must be integers, one per sample ({z.size}), "
                                 f"got {lab.dtype} [{lab.size}]")
        if constellation is None:
            raise RecordingError("write_recording: labels need the constellation name they index")
        npts = constellations.by_name(constellation).size
        if lab.size and (lab.min() < 0 or lab.max() >= npts):
            raise RecordingError(f"write_recording: labels must lie in [0, {npts}) for {constellation}")
        lname = os.path.basename(_SIGMF_RE.sub("", data_path) if data_path.endswith(".sigmf-data")
                                 else data_path) + LABELS_SUFFIX
        lab.astype("<u2").tofile(os.path.join(os.path.dirname(os.path.abspath(data_path)), lname))
        glob[LABELS_KEY] = {"file": lname, "datatype": LABELS_DATATYPE, "count": int(lab.size),
                            "constellation": str(constellation)}
    if any(k.startswith("ddpm:") for k in glob):          # declare the namespace (SigMF extensions)
        glob[sigmf.EXTENSIONS_KEY] = [{"name": "ddpm", "version": "1.0.0", "optional": True}]
    z.astype("<c8").tofile(data_path)
    try:
        h = sigmffile.SigMFFile(data_file=data_path, global_info=glob)
        h.add_capture(0, metadata={})
        h.tofile(meta_path, overwrite=overwrite)
    except SigMFError as e:
        raise RecordingError(f"write_recording '{meta_path}': {e}") from None
    return meta_path

