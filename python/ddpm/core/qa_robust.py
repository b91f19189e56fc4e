"""read_numeric with every PMT type (accepted ones give plain Python numbers, the rest PmtValueError), as a
property over random values (Hypothesis), and LogOnce's rate limit."""
import math

import numpy as np
import pmt
import pytest
from hypothesis import given, settings, strategies as st

from gnuradio.ddpm.core.robust import LogOnce, PmtValueError, read_numeric

I64 = st.integers(-2**63, 2**63 - 1)
U64 = st.integers(0, 2**64 - 1)

SCALARS_OK = [
    (pmt.from_uint64(2**64 - 1), 2**64 - 1, int),
    (pmt.from_long(-5), -5, int),
    (pmt.from_long(2**62), 2**62, int),
    (pmt.from_double(2.5), 2.5, float),
    (pmt.from_complex(1 - 2j), 1 - 2j, complex),
]
VECTORS_OK = [
    (pmt.init_u8vector(3, [0, 7, 255]), [0, 7, 255], int),
    (pmt.init_s8vector(2, [-128, 127]), [-128, 127], int),
    (pmt.init_u16vector(2, [0, 65535]), [0, 65535], int),
    (pmt.init_s16vector(2, [-32768, 5]), [-32768, 5], int),
    (pmt.init_u32vector(2, [0, 2**32 - 1]), [0, 2**32 - 1], int),
    (pmt.init_s32vector(2, [-2**31, 3]), [-2**31, 3], int),
    (pmt.init_u64vector(2, [0, 2**64 - 1]), [0, 2**64 - 1], int),
    (pmt.init_s64vector(2, [-2**63, 2**62]), [-2**63, 2**62], int),
    (pmt.init_f32vector(2, [0.5, -1.0]), [0.5, -1.0], float),
    (pmt.init_f64vector(2, [0.25, 1e300]), [0.25, 1e300], float),
    (pmt.init_c32vector(1, [1 + 1j]), [1 + 1j], complex),
    (pmt.init_c64vector(2, [1 + 2j, -3j]), [1 + 2j, -3j], complex),
]


def _generic_vector(items):
    v = pmt.make_vector(len(items), pmt.PMT_NIL)
    for i, x in enumerate(items):
        pmt.vector_set(v, i, x)
    return v


NOT_NUMBERS = {
    "true": pmt.PMT_T, "false": pmt.PMT_F, "symbol": pmt.intern("pmf"), "nil": pmt.PMT_NIL,
    "dict": pmt.dict_add(pmt.make_dict(), pmt.intern("a"), pmt.from_long(1)),
    "pair": pmt.cons(pmt.from_long(1), pmt.from_long(2)),
    "tuple": pmt.make_tuple(pmt.from_long(1), pmt.from_long(2)),
    "vector of bools": _generic_vector([pmt.PMT_T, pmt.PMT_F]),
    "vector of symbols": _generic_vector([pmt.intern("x")]),
    "vector with a dict": _generic_vector([pmt.from_long(1), pmt.make_dict()]),
    "nested vector": _generic_vector([pmt.init_f64vector(1, [1.0])]),
}


@pytest.mark.parametrize("value, expect, kind", SCALARS_OK)
def test_numeric_scalars_are_read_exactly(value, expect, kind):
    got = read_numeric(value, "x")
    assert type(got) is kind and got == expect
    with pytest.raises(PmtValueError, match="expected a vector"):
        read_numeric(value, "x", vector=True)


@pytest.mark.parametrize("value, expect, kind", VECTORS_OK + [
    (_generic_vector([pmt.from_long(3), pmt.from_uint64(2**64 - 1), pmt.from_double(0.5),
                      pmt.from_complex(1j)]), [3, 2**64 - 1, 0.5, 1j], None)])
def test_numeric_vectors_of_every_kind_are_read(value, expect, kind):
    got = read_numeric(value, "x", vector=True)
    assert got == pytest.approx(expect)
    if kind is not None:
        assert all(type(v) is kind for v in got)
    with pytest.raises(PmtValueError, match="expected a number, got a vector"):
        read_numeric(value, "x")


@pytest.mark.parametrize("name", sorted(NOT_NUMBERS))
def test_everything_else_is_rejected_with_a_value_error(name):
    for vector in (False, True):
        with pytest.raises(PmtValueError, match="^thing: "):
            read_numeric(NOT_NUMBERS[name], "thing", vector=vector)


def test_not_a_pmt_at_all_and_overlong_vectors_are_rejected():
    for bad in (None, 3, "x", object()):
        with pytest.raises(PmtValueError):
            read_numeric(bad, "x")
        with pytest.raises(PmtValueError):
            read_numeric(bad, "x", vector=True)
    with pytest.raises(PmtValueError, match="longer than 4"):
        read_numeric(pmt.init_s64vector(5, [0] * 5), "x", vector=True, max_len=4)
    with pytest.raises(PmtValueError, match="longer than 4"):
        read_numeric(_generic_vector([pmt.from_long(0)] * 5), "x", vector=True, max_len=4)


_scalar_pmts = st.one_of(
    I64.map(lambda v: (pmt.from_long(v), v)),
    U64.map(lambda v: (pmt.from_uint64(v), v)),
    st.floats(allow_nan=False).map(lambda v: (pmt.from_double(v), v)),
    st.complex_numbers(allow_nan=False).map(lambda v: (pmt.from_complex(v), v)))


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_scalar_pmts)
def test_property_numeric_scalars_round_trip(pair):
    value, expect = pair
    assert read_numeric(value, "x") == expect


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.lists(I64, max_size=40), st.lists(st.floats(allow_nan=False, width=64), max_size=40),
       st.lists(st.sampled_from(list(NOT_NUMBERS)), min_size=1, max_size=3))
def test_property_vectors_round_trip_and_junk_inside_is_rejected(ints, floats, junk):
    assert read_numeric(pmt.init_s64vector(len(ints), ints), "x", vector=True) == ints
    assert read_numeric(pmt.init_f64vector(len(floats), floats), "x", vector=True) == floats
    mixed = [pmt.from_long(v) for v in ints] + [NOT_NUMBERS[j] for j in junk]
    with pytest.raises(PmtValueError):
        read_numeric(_generic_vector(mixed), "x", vector=True)


def test_log_once_limits_the_log_to_powers_of_two():
    lines = []
    log = LogOnce(lines.append)
    for _ in range(100):
        log("a", "problem a")
    log("b", "problem b")
    assert lines[0] == "problem a" and "problem b" in lines
    assert len([x for x in lines if x.startswith("problem a")]) == 1 + int(math.log2(64))
    assert log.counts() == {"a": 100, "b": 1}
