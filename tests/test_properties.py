"""Property-based tests (Hypothesis) of the code that reads untrusted input: the model reader (byte mutations of a
valid file), CCDM round trips, and the shaper/dematcher PMF messages. (core/qa_robust.py holds the properties of
the PMT value reader.) Each test has a small max_examples and no per-example deadline (shared CI machines);
together they take well under 60 s. derandomize=True: the same examples on every run, so a failure reproduces."""
import os

import numpy as np
import pmt
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gnuradio.ddpm.core import shaping
from gnuradio.ddpm.core.ccdm import CCDM, MAX_BLOCK_LENGTH, quantise_pmf
from gnuradio.ddpm.modelfile.reader import Model, ModelFormatError, load_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = os.path.join(ROOT, "tests", "fixtures", "tiny_h8_d2_t10.onnx")
FAST = dict(deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------------------------------ model reader
with open(TINY, "rb") as _f:
    GOOD = _f.read()

_mutation = st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255))


@settings(max_examples=300, **FAST)
@given(st.lists(_mutation, min_size=1, max_size=8), st.one_of(st.none(), st.integers(0, len(GOOD))),
       st.binary(max_size=16))
def test_property_mutated_model_files_load_or_raise_model_format_error(tmp_path, muts, cut, tail):
    data = bytearray(GOOD)
    for pos, byte in muts:
        data[pos] = byte
    if cut is not None:
        data = data[:cut] + tail
    p = tmp_path / "mutated.onnx"
    p.write_bytes(bytes(data))
    try:
        m = load_model(str(p))
    except ModelFormatError as e:
        assert str(p) in str(e)
        return
    assert isinstance(m, Model) and m.T >= 1 and m.weights["out.bias"].shape == (2,)
    assert np.all(np.isfinite(m.betas)) and np.all((m.betas > 0) & (m.betas < 1))


# ------------------------------------------------------------------------------------------ CCDM
_pmfs = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=2, max_size=32).filter(lambda p: sum(p) > 0)


@settings(max_examples=150, **FAST)
@given(_pmfs, st.integers(2, 512), st.randoms(use_true_random=False))
def test_property_ccdm_round_trip(pmf, n, rnd):
    counts = quantise_pmf(pmf, n)
    assert counts.sum() == n and np.all(counts >= 0)
    c = CCDM(counts)
    if c.k == 0:
        return
    bits = np.array([rnd.getrandbits(1) for _ in range(c.k)], dtype=np.uint8)
    sym = c.encode(bits)
    assert np.array_equal(np.bincount(sym, minlength=len(pmf)), counts)
    assert np.array_equal(c.decode(sym), bits)
    dec, ok = c.decode_best_effort(sym)
    assert ok and np.array_equal(dec, bits)


@settings(max_examples=150, **FAST)
@given(st.lists(st.integers(-2**64, 2**64), min_size=1, max_size=20))
def test_property_ccdm_accepts_exactly_the_bounded_compositions(counts):
    ok = all(c >= 0 for c in counts) and 1 <= sum(counts) <= MAX_BLOCK_LENGTH
    arr = np.array(counts, dtype=object if any(abs(c) >= 2**63 for c in counts) else np.int64)
    try:
        c = CCDM(arr)
    except ValueError:
        assert not ok
        return
    assert ok and c.n == sum(counts)


# ------------------------------------------------------------------------------- shaper / dematcher PMF path
@settings(max_examples=150, **FAST)
@given(_pmfs, st.integers(1, MAX_BLOCK_LENGTH), st.one_of(st.none(), st.floats(-50, 50)),
       st.one_of(st.none(), st.floats(0.01, 100)))
def test_property_composition_pmt_round_trip(pmf, n, snr_db, scale):
    p = np.array(pmf) / sum(pmf)
    counts = quantise_pmf(p, n)
    msg = shaping.composition_to_pmt(p, counts, snr_db, scale)
    p2, c2 = shaping.pmt_to_composition(msg, n)
    assert np.array_equal(c2, counts) and np.allclose(p2, p, rtol=1e-12, atol=1e-15)
    p3, c3 = shaping.pmt_to_composition(msg, n, m=len(pmf))
    assert np.array_equal(c3, counts)
    # a bare vector PMF gives the quantised composition
    p4, c4 = shaping.pmt_to_composition(pmt.init_f64vector(len(pmf), p.tolist()), n)
    assert np.array_equal(c4, counts)


def _junk_pmts():
    ints = st.integers(-2**63, 2**63 - 1)
    scalars = st.one_of(ints.map(pmt.from_long), st.integers(0, 2**64 - 1).map(pmt.from_uint64),
                        st.floats().map(pmt.from_double), st.just(pmt.PMT_T), st.just(pmt.PMT_NIL),
                        st.text(max_size=5).map(pmt.intern))
    vectors = st.one_of(st.lists(ints, max_size=20).map(lambda v: pmt.init_s64vector(len(v), v)),
                        st.lists(st.integers(0, 2**64 - 1), max_size=20).map(lambda v: pmt.init_u64vector(len(v), v)),
                        st.lists(st.floats(), max_size=20).map(lambda v: pmt.init_f64vector(len(v), v)),
                        st.lists(st.floats(width=32), max_size=20).map(lambda v: pmt.init_f32vector(len(v), v)))
    values = st.one_of(scalars, vectors)
    dicts = st.lists(st.tuples(st.sampled_from(["counts", "pmf", "n", "snr_db", "x"]), values), max_size=4).map(
        lambda kv: _dict(kv))
    return st.one_of(values, dicts, st.tuples(values, values).map(lambda ab: pmt.cons(*ab)))


def _dict(kv):
    d = pmt.make_dict()
    for k, v in kv:
        d = pmt.dict_add(d, pmt.intern(k), v)
    return d


@settings(max_examples=300, **FAST)
@given(_junk_pmts(), st.integers(1, MAX_BLOCK_LENGTH), st.sampled_from([None, 4, 16]))
def test_property_any_pmt_gives_a_composition_or_value_error(msg, n, m):
    """Whatever a message or tag holds: a valid composition of n (counts >= 0 summing to n, M entries when m is
    given) or a ValueError; never another exception, never unbounded work (wrapped-around int64 counts)."""
    try:
        p, c = shaping.pmt_to_composition(msg, n, m=m)
    except ValueError:
        return
    assert c.dtype == np.int64 and int(sum(int(x) for x in c)) == n and np.all(c >= 0)
    assert p.shape == c.shape and np.all(np.isfinite(p)) and abs(p.sum() - 1) < 1e-9
    if m is not None:
        assert c.size == m


@settings(max_examples=100, **FAST)
@given(st.lists(st.integers(-2**63, 2**63 - 1), min_size=2, max_size=16), st.integers(1, 256))
def test_property_counts_that_are_not_a_composition_are_refused(counts, n):
    d = _dict([("counts", pmt.init_s64vector(len(counts), counts))])
    valid = all(0 <= c <= n for c in counts) and sum(counts) == n
    if valid:
        _, c = shaping.pmt_to_composition(d, n)
        assert c.tolist() == counts
    else:
        with pytest.raises(ValueError):
            shaping.pmt_to_composition(d, n)
