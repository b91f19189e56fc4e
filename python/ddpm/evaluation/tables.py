"""CSV files and Markdown tables of the ``ddpm-eval`` experiments (rows: list of dicts, one per measurement)."""
import csv
import math

import numpy as np

__all__ = ["write_csv", "read_csv", "markdown_table"]


_FIRST = ["experiment", "constellation", "noise", "snr_db", "quant_bits", "kappa_t", "kappa_r", "antennas", "csi",
          "method", "mse", "mse_db", "nmse_db", "cosine", "ser", "ber", "mi", "ci", "lam", "entropy", "n", "seed"]


def write_csv(rows, path):
    """Write rows (list of dicts) to a CSV; columns: the known ones in a fixed order, then any others sorted.
    Floats are written with repr (round-trip exact). Returns path."""
    keys = set().union(*[r.keys() for r in rows]) if rows else set()
    cols = [c for c in _FIRST if c in keys] + sorted(keys - set(_FIRST))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, restval="")
        w.writeheader()
        for r in rows:
            w.writerow({k: (repr(float(v)) if isinstance(v, (float, np.floating)) else v) for k, v in r.items()})
    return path


def read_csv(path):
    """Read a CSV written by :func:`write_csv`: list of dicts, numbers converted to float/int, '' dropped."""
    out = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            d = {}
            for k, v in r.items():
                if v == "":
                    continue
                try:
                    d[k] = int(v)
                except ValueError:
                    try:
                        d[k] = float(v)
                    except ValueError:
                        d[k] = v
            out.append(d)
    return out


def markdown_table(rows, row_keys, col_key, value, fmt="{:.3g}", filt=None, floor=None):
    """Pivot rows into a Markdown table: one line per distinct row_keys tuple, one column per col_key value.

    rows: list of dicts; row_keys: list of str; col_key: str; value: str; filt: optional predicate on a row;
    floor: values below it are shown as "< floor" (e.g. an exactly-zero error in dB). Returns str."""
    rows = [r for r in rows if (filt is None or filt(r)) and value in r]
    cols = list(dict.fromkeys(r[col_key] for r in rows))
    lines = {}
    for r in rows:
        lines.setdefault(tuple(r.get(k, "") for k in row_keys), {})[r[col_key]] = r[value]
    out = ["| " + " | ".join(row_keys) + " | " + " | ".join(str(c) for c in cols) + " |",
           "|" + "---|" * (len(row_keys) + len(cols))]
    def cell(v):
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            return "–"
        return f"< {floor:g}" if floor is not None and v < floor else fmt.format(v)

    for key, vals in lines.items():
        cells = [cell(vals[c]) if c in vals else "–" for c in cols]
        out.append("| " + " | ".join(str(k) for k in key) + " | " + " | ".join(cells) + " |")
    return "\n".join(out)
