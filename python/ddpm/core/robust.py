"""What keeps gr-ddpm's Python blocks running on bad stream data: one reader of PMT values and one error log.

``read_numeric(value, what)`` is the one way a Python block reads a number (or a vector of numbers) out of a
stream tag or a message: it accepts every numeric PMT type (long, uint64, double, complex; with
``vector=True`` also every uniform vector u8/s8/u16/s16/u32/s32/u64/s64/f32/f64/c32/c64 and a generic PMT vector
whose elements are numeric scalars) and returns plain Python numbers (int for the integer types, so later
arithmetic is exact and cannot wrap around); everything else (bool, symbol, nil, dict, pair, tuple, blob, a
vector longer than ``max_len``, a vector holding a non-number) raises :class:`PmtValueError` (a ValueError).
The blocks catch it and log a warning through :class:`LogOnce`.

``LogOnce`` logs the first occurrence of each kind of problem (and then a count every 2^k occurrences), so a
stream of bad tags cannot flood the log; every ``work()`` and message handler of a Python block reports what it
catches through one (no exception escapes to the scheduler).
"""
import threading

__all__ = ["PmtValueError", "read_numeric", "LogOnce", "MAX_VECTOR_LEN"]

#: the longest vector read_numeric accepts unless the caller asks for less (bounds the work per message)
MAX_VECTOR_LEN = 1 << 16


class PmtValueError(ValueError):
    """A PMT value that is not the number (or vector of numbers) a block expected."""


def _describe(value):
    import pmt
    for name in ("bool", "symbol", "null", "dict", "pair", "tuple", "blob", "vector", "uniform_vector"):
        if getattr(pmt, "is_" + name)(value):
            return "nil" if name == "null" else name
    return "an unknown PMT type"


def _scalar(value):
    """Python int / float / complex for a numeric PMT scalar, else None."""
    import pmt
    if pmt.is_bool(value):      # PMT_T / PMT_F are not numbers (pmt.is_number says False, but be explicit)
        return None
    if pmt.is_uint64(value):
        return int(pmt.to_uint64(value))
    if pmt.is_integer(value):
        return int(pmt.to_long(value))
    if pmt.is_real(value):
        return float(pmt.to_double(value))
    if pmt.is_complex(value):
        return complex(pmt.to_complex(value))
    return None


_UNIFORM = ("u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64", "f32", "f64", "c32", "c64")


def _vector(value, max_len, what):
    import pmt
    if pmt.is_uniform_vector(value):
        length = pmt.length(value)
        if length > max_len:
            raise PmtValueError(f"{what}: a vector of {length} numbers is longer than {max_len}")
        for t in _UNIFORM:
            if getattr(pmt, f"is_{t}vector")(value):
                conv = complex if t[0] == "c" else float if t[0] == "f" else int
                return [conv(x) for x in getattr(pmt, f"{t}vector_elements")(value)]
        raise PmtValueError(f"{what}: unsupported uniform vector type")
    if pmt.is_vector(value):
        length = pmt.length(value)
        if length > max_len:
            raise PmtValueError(f"{what}: a vector of {length} values is longer than {max_len}")
        out = []
        for i in range(length):
            x = _scalar(pmt.vector_ref(value, i))
            if x is None:
                raise PmtValueError(f"{what}: element {i} of the vector is "
                                    f"{_describe(pmt.vector_ref(value, i))}, not a number")
            out.append(x)
        return out
    return None


def read_numeric(value, what, *, vector=False, max_len=MAX_VECTOR_LEN):
    """A number, or with ``vector=True`` a list of numbers, from a PMT tag or message value.

    value: any PMT. what: name used in the error message. vector: False -> a numeric scalar PMT (long, uint64,
    double, complex) -> int | float | complex; True -> a uniform vector of any of the 12 element types or a
    generic PMT vector of numeric scalars (at most ``max_len`` elements) -> list of int | float | complex
    (a numeric scalar is not accepted as a vector). Integers come back as Python ints (exact, unbounded: the
    caller checks the range). Floats may be NaN or Inf: the caller checks finiteness where it matters.
    Raises PmtValueError (a ValueError) for anything else; never any other exception for a PMT argument.
    """
    import pmt
    if not isinstance(value, pmt.pmt_base):   # None would reach the C++ side as a null pointer (segfault)
        raise PmtValueError(f"{what}: expected a PMT, got {type(value).__name__}")
    try:
        if vector:
            out = _vector(value, max_len, what)
            if out is not None:
                return out
            raise PmtValueError(f"{what}: expected a vector of numbers, got {_describe(value)}")
        out = _scalar(value)
        if out is not None:
            return out
        kind = "a vector" if pmt.is_uniform_vector(value) or pmt.is_vector(value) else _describe(value)
        raise PmtValueError(f"{what}: expected a number, got {kind}")
    except PmtValueError:
        raise
    except Exception as e:  # noqa: BLE001 (not a PMT at all, a binding refusing a conversion)
        raise PmtValueError(f"{what}: unreadable value ({type(e).__name__}: {e})") from None


class LogOnce:
    """Rate-limited logging of recurring problems: the first occurrence of each kind is logged with its message,
    later ones only at occurrence 2, 4, 8, ... (with the count), so bad data cannot flood the log.

    log: a callable(str) (e.g. a GNU Radio block's ``logger.warn``). Thread-safe; ``counts()`` -> dict kind -> n.
    """

    def __init__(self, log):
        self._log = log
        self._counts = {}
        self._lock = threading.Lock()

    def __call__(self, kind, message):
        with self._lock:
            n = self._counts.get(kind, 0) + 1
            self._counts[kind] = n
        if n == 1:
            self._log(message)
        elif n & (n - 1) == 0:
            self._log(f"{message} ({n} times so far)")

    def counts(self):
        with self._lock:
            return dict(self._counts)
