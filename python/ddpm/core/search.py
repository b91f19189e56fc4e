"""Golden-section search for the maximum of a unimodal function of one variable (numpy-free)."""
import math

__all__ = ["golden_section_max"]

_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0


def golden_section_max(f, lo, hi, tol, key=None):
    """Narrow [lo, hi] around the maximum of f until it is at most tol wide.

    f: callable x -> value; key: value -> comparable score (None: the value itself); lo < hi, tol > 0 (floats).
    Returns (a, b, (x1, f(x1)), (x2, f(x2))): the final bracket and the two interior points last evaluated.
    """
    key = key or (lambda v: v)
    a, b = float(lo), float(hi)
    x1, x2 = b - _INV_PHI * (b - a), a + _INV_PHI * (b - a)
    f1, f2 = f(x1), f(x2)
    while b - a > tol:
        if key(f1) >= key(f2):
            b, x2, f2 = x2, x1, f1
            x1 = b - _INV_PHI * (b - a)
            f1 = f(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + _INV_PHI * (b - a)
            f2 = f(x2)
    return a, b, (x1, f1), (x2, f2)
