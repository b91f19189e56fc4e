"""Probabilistic shaping helpers: the DDPM-derived PMF, the MI-optimal Maxwell–Boltzmann PMF, and the
PMT encoding the shaper and the CCDM dematcher use to agree on a composition.

No torch or onnxruntime here: the DDPM PMF runs the C++ kernel (``gnuradio.ddpm.ddpm_sampler``).
Every function documents shapes and dtypes; "float64 [M]" means a numpy array of that dtype and shape.
"""
import math
import os

import numpy as np

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.ddpm_python import ddpm_sampler, model as kernel_model
from gnuradio.ddpm.core.metrics import mi_gauss_hermite
from gnuradio.ddpm.core.search import golden_section_max
from gnuradio.ddpm.modelfile.lookup import find_model
from gnuradio.ddpm.modelfile.samplers import check_sampler
from gnuradio.ddpm.core.ccdm import entropy_bits, quantise_pmf
from gnuradio.ddpm.core.checks import MAX_SYMBOLS, as_pmf, as_points, check_block_length, check_snr_db
from gnuradio.ddpm.core.robust import read_numeric

__all__ = ["apply_floor", "ddpm_pmf", "open_model", "maxwell_boltzmann_pmf", "mb_optimal_lambda", "mb_pmf_for_snr",
           "normalise_power", "composition_to_pmt", "pmt_to_composition",
           "resolve_constellation", "entropy_bits", "quantise_pmf", "DEFAULT_POINTS_PER_SYMBOL"]

DEFAULT_POINTS_PER_SYMBOL = 512


# ------------------------------------------------------------------------------------------------ shaping
def maxwell_boltzmann_pmf(points, lam):
    """Maxwell-Boltzmann PMF P_i ∝ exp(-lam |points_i|^2). points: complex [M]; lam >= 0. Returns float64 [M]."""
    points = as_points(points)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be finite and >= 0, got {lam}")
    e = -lam * np.abs(points) ** 2
    p = np.exp(e - e.max())
    return p / p.sum()


def mb_optimal_lambda(points, snr_db, lam_max=None, tol=1e-3, order=32):
    """Maxwell-Boltzmann parameter that maximises I(X;Y) at a fixed SNR = Es/N0 (Es under the shaped PMF, i.e.
    the shaped constellation is compared at the same average power), by golden-section search on
    [0, lam_max] of mi_gauss_hermite (MI(lam) is unimodal in practice for QAM).

    points: complex [M]; snr_db: float; lam_max default 10 / mean|points|^2; tol: absolute tolerance on lam.
    Returns (lam: float, mi_bits: float).
    """
    points = as_points(points)
    if not np.isfinite(snr_db):
        raise ValueError(f"snr_db must be finite, got {snr_db}")
    if lam_max is None:
        lam_max = 10.0 / float(np.mean(np.abs(points) ** 2))

    def f(lam):
        return mi_gauss_hermite(points, maxwell_boltzmann_pmf(points, lam), snr_db=snr_db, order=order)

    a, b, _, _ = golden_section_max(f, 0.0, float(lam_max), tol)
    lam = 0.5 * (a + b)
    best = (lam, f(lam))
    f0 = f(0.0)
    return best if best[1] >= f0 else (0.0, f0)


# ------------------------------------------------------------------------------------------------ PMF tools
def apply_floor(pmf, floor):
    """Raise every entry to at least ``floor`` and renormalise to sum 1 without pushing any entry back below it.

    The entries below the floor are set to the floor; the others share the remaining mass 1 − m·floor in their
    old proportions; repeated until no entry falls below (at most M rounds).

    pmf: float array [M], finite, ≥ 0, positive sum (normalised first). floor: float in [0, 1/M).
    Returns float64 [M] summing to 1 (to rounding) with every entry ≥ floor.
    """
    p = as_pmf(pmf)
    floor = float(floor)
    m = p.size
    if not (math.isfinite(floor) and 0.0 <= floor < 1.0 / m):
        raise ValueError(f"floor must lie in [0, 1/M) = [0, {1.0 / m:.6g}) for M = {m}, got {floor}")
    if floor == 0.0:
        return p
    low = p < floor
    for _ in range(m + 1):
        free = ~low
        mass = 1.0 - floor * low.sum()
        q = np.where(low, floor, p * (mass / p[free].sum()))
        new_low = low | (q < floor)
        if np.array_equal(new_low, low):
            return np.maximum(q, floor)   # guard the last ulp
        low = new_low
    raise AssertionError("apply_floor did not converge")  # unreachable: `low` grows every round


def normalise_power(points, weights):
    """Scale factor and scaled points so that Σ_i w_i·|x_i|² = 1.

    points: complex [M]; weights: float [M] ≥ 0, positive sum (normalised here). Returns (scale float,
    complex128 [M] = scale·points). ValueError when the weighted power is 0.
    """
    pts = np.asarray(points, dtype=np.complex128).reshape(-1)
    w = as_pmf(weights, "weights")
    es = float(np.sum(w * np.abs(pts) ** 2))
    if not es > 0 or not math.isfinite(es):
        raise ValueError(f"the shaped constellation has average power {es}; cannot normalise it")
    scale = 1.0 / math.sqrt(es)
    return scale, pts * scale


def mb_pmf_for_snr(points, snr_db):
    """Maxwell–Boltzmann PMF whose λ maximises the mutual information at ``snr_db`` (SNR = Es/N0 with Es under
    the shaped PMF), from ``mb_optimal_lambda`` (golden-section search on the Gauss–Hermite MI).

    points: complex [M]; snr_db: float. Returns (pmf float64 [M], lam float, mi float bits).
    """
    lam, mi = mb_optimal_lambda(points, snr_db)
    return maxwell_boltzmann_pmf(points, lam), float(lam), float(mi)


# ----------------------------------------------------------------------------------------- model handling
def _get(obj, name):
    v = getattr(obj, name)
    return v() if callable(v) else v


def _constellation_of(model_obj, label):
    """Constellation (complex128 [M]) of a model or sampler object: its ``constellation``, else that of its
    ``model`` / ``get_model()``. ValueError when there is none (M = 0)."""
    c = None
    for attr in ("constellation", "model", "get_model"):
        try:
            v = _get(model_obj, attr)
        except AttributeError:
            continue
        if attr == "constellation":
            c = v
        else:
            try:
                c = _get(v, "constellation")
            except AttributeError:
                continue
        break
    c = np.asarray([] if c is None else c, dtype=np.complex128).reshape(-1)
    if c.size == 0:
        raise ValueError(f"model {label} has no constellation; the shaper needs a constellation model "
                         "(no 'ddpm.constellation' metadata)")
    return c


def open_model(model, threads=1, with_sampler=True):
    """Open a DDPM for the PMF computation.

    model: short name (``"qam16"``) or path of a model file, a loaded ``ddpm.model``, or a sampler object that
    has ``sample(y, noise_var, sampler=, steps=, eta=, seed=, first_index=)`` and ``constellation`` (or
    ``get_model().constellation``): the last form lets tests and users plug in their own reverse process.
    Returns (label str, constellation complex128 [M] in model units, sampler object or None without
    with_sampler). ValueError: model not found or malformed, or no constellation.
    """
    if hasattr(model, "sample"):
        label = getattr(model, "name", type(model).__name__)
        return label, _constellation_of(model, label), model
    path = None
    if isinstance(model, (str, os.PathLike)):
        try:
            path = find_model(model)
        except FileNotFoundError as e:
            raise ValueError(str(e)) from None
        try:
            loaded = kernel_model.load(path)
        except Exception as e:   # model_error / ModelFormatError: keep the message (it names file and problem)
            raise ValueError(f"cannot load model {path}: {e}") from None
        label = path
    else:
        loaded, label = model, getattr(model, "path", "<model>")
        label = label() if callable(label) else label
    const = _constellation_of(loaded, label)
    if not with_sampler:
        return label, const, None
    return label, const, ddpm_sampler(loaded, int(threads))


def ddpm_pmf(model, snr_db, *, points_per_symbol=DEFAULT_POINTS_PER_SYMBOL, sampler="matched", steps=10,
             eta=0.0, seed=0, floor=1e-3, threads=1, return_histogram=False):
    """Symbol PMF that a constellation DDPM regenerates at a link SNR.

    Each of the M constellation points (model units) is repeated ``points_per_symbol`` times (point order, then
    copy), circular Gaussian noise of complex variance Es·10^(−snr_db/10) (Es = mean |c_i|², 1 for the shipped
    models) is added with numpy's PCG64 generator seeded by ``seed``, the DDPM reverse chain (``sampler``,
    ``steps``, ``eta``, same ``seed``, first_index 0) regenerates the points, each regenerated point is mapped
    to its nearest constellation point, and the normalised histogram, after ``apply_floor(·, floor)``, is the
    PMF. Deterministic for fixed arguments (the kernel's output does not depend on ``threads``).

    model: see ``open_model``. snr_db: float. points_per_symbol: int ≥ 1 (N = M·points_per_symbol samples).
    sampler: "matched" | "paper" | "ddim"; steps: DDIM steps ≥ 1; eta: DDIM η in [0, 1]; seed: int ≥ 0;
    floor: float in [0, 1/M); threads: kernel threads ≥ 0 (0 = all cores).
    Returns float64 [M] (and, with return_histogram, also the raw counts int64 [M]).
    ValueError for bad arguments, a missing model or one without a constellation.
    """
    snr = check_snr_db(snr_db)
    pps = int(points_per_symbol)
    if pps < 1 or pps != points_per_symbol:
        raise ValueError(f"points_per_symbol must be an integer >= 1, got {points_per_symbol!r}")
    check_sampler(sampler)
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if not (0.0 <= float(eta) <= 1.0):
        raise ValueError(f"eta must lie in [0, 1], got {eta}")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if int(threads) < 0:
        raise ValueError(f"threads must be >= 0, got {threads}")
    label, const, smp = open_model(model, threads)
    m = const.size
    if not (0.0 <= float(floor) < 1.0 / m):
        raise ValueError(f"floor must lie in [0, 1/M) = [0, {1.0 / m:.6g}) for M = {m}, got {floor}")
    es = float(np.mean(np.abs(const) ** 2))
    noise_var = es * 10.0 ** (-snr / 10.0)
    rng = np.random.default_rng(int(seed))
    x = np.repeat(const, pps)
    y = x + (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size)) * math.sqrt(noise_var / 2)
    out = smp.sample(y.astype(np.complex64), float(noise_var), sampler=sampler, steps=int(steps),
                     eta=float(eta), seed=int(seed), first_index=0)
    out = np.asarray(out).reshape(-1)
    if out.size != x.size:
        raise ValueError(f"sampler of model {label} returned {out.size} samples for {x.size} inputs")
    hist = np.bincount(constellations.nearest(out, const), minlength=m).astype(np.int64)
    pmf = apply_floor(hist / hist.sum(), floor)
    return (pmf, hist) if return_histogram else pmf


# ------------------------------------------------------------------------------- constellation resolution
def resolve_constellation(model, constellation=None, need_pmf=True, threads=1):
    """Constellation points (model units, complex128 [M]) for a shaper/dematcher configuration.

    Order: an explicit ``constellation`` (complex [M]); else the model file's ``ddpm.constellation``; else, only
    when ``need_pmf`` is False (an explicit pmf was given), a name "qamM"/"pskM" built by
    ``constellations.qam``/``psk`` (same Gray labels as the training data). Returns (points, sampler or None).
    """
    if constellation is not None:
        pts = np.asarray(constellation, dtype=np.complex128).reshape(-1)
        if pts.size < 2 or not np.all(np.isfinite(pts)):
            raise ValueError(f"constellation must hold >= 2 finite complex points, got {pts.tolist()}")
        smp = open_model(model, threads)[2] if need_pmf else None
        return pts, smp
    if need_pmf:
        _, const, smp = open_model(model, threads)
        return const, smp
    try:
        return open_model(model, threads, with_sampler=False)[1], None
    except ValueError as e:
        if not isinstance(model, str) or "no constellation" in str(e):
            raise
        try:
            return constellations.by_name(model), None
        except ValueError:
            raise e from None


# ------------------------------------------------------------------------------------- PMT message format
def composition_to_pmt(pmf, counts, snr_db=None, scale=None, **extra):
    """PMT dict {"pmf": f64vector [M], "counts": s64vector [M], "n": long[, "snr_db": double][, "scale": double]
    [, any extra key: double]} that the shaper publishes and tags, and the dematcher accepts (extra keys, e.g.
    entropy, mi, rate_loss, are information only). Needs the gnuradio pmt module."""
    import pmt
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("pmf"), pmt.init_f64vector(len(pmf), [float(v) for v in pmf]))
    d = pmt.dict_add(d, pmt.intern("counts"), pmt.init_s64vector(len(counts), [int(v) for v in counts]))
    d = pmt.dict_add(d, pmt.intern("n"), pmt.from_long(int(np.sum(counts))))
    if snr_db is not None:
        d = pmt.dict_add(d, pmt.intern("snr_db"), pmt.from_double(float(snr_db)))
    if scale is not None:
        d = pmt.dict_add(d, pmt.intern("scale"), pmt.from_double(float(scale)))
    for k, v in extra.items():
        d = pmt.dict_add(d, pmt.intern(k), pmt.from_double(float(v)))
    return d


def _counts_from(values, n):
    """Python numbers read from a 'counts' PMT -> int64 [M] when they are a composition of n (each an integer
    0 <= c <= n, sum n, checked on Python ints before any arithmetic), else None."""
    out = []
    for v in values:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, int) or not 0 <= v <= n:
            return None
        out.append(v)
    if sum(out) != n:
        return None
    return np.array(out, dtype=np.int64)


def pmt_to_composition(msg, n, m=None):
    """Composition for block length n from a PMT: a dict as written by ``composition_to_pmt`` (its "counts" are
    used as they are when they are a composition of n: integers 0 <= c <= n summing to n, checked exactly;
    otherwise its "pmf" is quantised), or a bare vector PMF of any numeric PMT vector type.
    Every value is read with ``robust.read_numeric`` (vectors of at most MAX_SYMBOLS numbers, or m when given).
    n: block length, 1 <= n <= MAX_BLOCK_LENGTH. m: expected alphabet size or None.
    Returns (pmf float64 [M], counts int64 [M]); ValueError for anything else (never another exception)."""
    import pmt
    n = check_block_length(n)
    limit = MAX_SYMBOLS if m is None else int(m)

    def vec(value, what):
        v = read_numeric(value, what, vector=True, max_len=limit)
        if m is not None and len(v) != m:
            raise ValueError(f"{what} has {len(v)} entries, expected M = {m}")
        return v

    def real_pmf(values, what):
        if any(isinstance(x, complex) for x in values):
            raise ValueError(f"{what} must be real numbers")
        return as_pmf(np.array(values, dtype=np.float64), what)

    if not isinstance(msg, pmt.pmt_base):
        raise ValueError(f"pmf message must be a PMT, got {type(msg).__name__}")
    if pmt.is_dict(msg):
        key_c, key_p = pmt.intern("counts"), pmt.intern("pmf")
        counts = pmf = None
        if pmt.dict_has_key(msg, key_c):
            counts = _counts_from(vec(pmt.dict_ref(msg, key_c, pmt.PMT_NIL), "pmf message 'counts'"), n)
        if pmt.dict_has_key(msg, key_p):
            pmf = real_pmf(vec(pmt.dict_ref(msg, key_p, pmt.PMT_NIL), "pmf message 'pmf'"), "pmf message 'pmf'")
        if counts is not None:
            if pmf is None:
                pmf = counts / n
            if pmf.size != counts.size:
                raise ValueError("pmf message: 'pmf' and 'counts' differ in length")
            return as_pmf(pmf), counts
        if pmf is None:
            raise ValueError(f"pmf message: a dict needs 'counts' (integers 0..{n} summing to n = {n}) or 'pmf' "
                             "(a vector of numbers)")
        return pmf, quantise_pmf(pmf, n)
    pmf = real_pmf(vec(msg, "pmf message"), "pmf message")
    return pmf, quantise_pmf(pmf, n)
