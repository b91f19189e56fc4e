"""Plots (matplotlib, Agg backend) and Markdown tables of the ``ddpm-eval`` experiments.

Every ``plot_<experiment>(rows, path, setting)`` takes the experiment's rows (list of dicts, as in the CSV),
writes one PNG to ``path`` and returns the path. ``tables(name, rows)`` returns the Markdown tables that
docs/results.md shows.
"""
import math

import numpy as np

from gnuradio.ddpm.evaluation.experiments import LABELS, RECEIVERS
from gnuradio.ddpm.evaluation.tables import markdown_table

__all__ = ["plot_mse", "plot_ber", "plot_kappa", "plot_mimo", "plot_swissroll", "plot_shaping", "plot_snapshots",
           "tables"]

_STYLE = {"raw": dict(color="0.5", ls=":", marker="x"), "ddpm_paper": dict(color="C0", marker="o"),
          "ddpm_matched": dict(color="C1", marker="s"), "ddpm_ddim": dict(color="C2", marker="^"),
          "ddpm_default": dict(color="C4", marker="D"), "mmse_exact": dict(color="k", ls="--", marker=None),
          "dnn": dict(color="C3", ls="--", marker="v"), "mmse_ml": dict(color="k", ls="-", marker="."),
          "mmse": dict(color="k", ls="-", marker="."), "closed_form": dict(color="k", ls="--", marker=None),
          "capacity": dict(color="k", ls="-", marker=None), "uniform": dict(color="0.5", ls=":", marker="x"),
          "mb": dict(color="C3", ls="--", marker="v"), "ddpm": dict(color="C0", marker="o"),
          "ba": dict(color="C2", ls="-.", marker="^")}
_SHAPE_LABELS = {"uniform": "uniform QAM", "mb": "Maxwell-Boltzmann (opt. λ)", "ddpm": "DDPM shaper",
                 "ba": "Blahut-Arimoto"}


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _sel(rows, **kw):
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def _series(rows, x, y, **kw):
    rs = sorted(_sel(rows, **kw), key=lambda r: r[x])
    xs = np.array([r[x] for r in rs if y in r], dtype=float)
    ys = np.array([r[y] for r in rs if y in r], dtype=float)
    return xs, ys


def _uniq(rows, key):
    return list(dict.fromkeys(r[key] for r in rows if key in r))


def _grid(plt, nr, nc, w=5.0, h=3.8):
    fig, ax = plt.subplots(nr, nc, figsize=(w * nc, h * nr), squeeze=False)
    return fig, ax


def _clip_db(a, floor=-60.0):
    """Keep dB axes readable: an exact estimate (error 0, e.g. MMSE at very high SNR) would pull the axis to
    -300 dB; such values are below the floor and left out of view (the CSV has them)."""
    lo, hi = a.get_ylim()
    if lo < floor:
        top = max((float(np.nanmax(ln.get_ydata())) for ln in a.get_lines() if len(ln.get_ydata())),
                  default=hi)
        a.set_ylim(floor, min(hi, top + 0.05 * (top - floor)))


def _label(a, title, xlabel, ylabel, clip=False):
    """Title, axis labels and grid of one panel; clip: limit the y axis to the finite dB range."""
    a.set_title(title)
    a.set_xlabel(xlabel)
    a.set_ylabel(ylabel)
    if clip:
        _clip_db(a)
    a.grid(alpha=0.3)


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    _plt().close(fig)
    return path


def _constellation_noise_panels(plt, rows):
    """A figure with one panel per (constellation, noise) of the rows: (fig, axes grid, [(axes, constellation,
    noise), ...] in row-major order)."""
    consts, noises = _uniq(rows, "constellation"), _uniq(rows, "noise")
    fig, ax = _grid(plt, len(consts), len(noises))
    return fig, ax, [(ax[i][j], c, nz) for i, c in enumerate(consts) for j, nz in enumerate(noises)]


def plot_mse(rows, path, setting=None):
    """MSE (dB) vs SNR: one panel per (constellation, noise), one line per receiver."""
    plt = _plt()
    fig, ax, panels = _constellation_noise_panels(plt, rows)
    for a, c, nz in panels:
        for m in RECEIVERS + ("mmse_exact",):
            xs, ys = _series(rows, "snr_db", "mse_db", constellation=c, noise=nz, method=m)
            if xs.size:
                a.plot(xs, ys, label=LABELS[m], ms=4, **_STYLE[m])
        _label(a, f"{c}, {nz} noise", "Es/N0 (dB)", "MSE (dB)", clip=True)
    ax[0][0].legend(fontsize=7)
    return _save(fig, path)


def plot_ber(rows, path, setting=None):
    """BER (log) vs SNR, one panel per (constellation, noise); the closed form in AWGN as a dashed line."""
    plt = _plt()
    fig, ax, panels = _constellation_noise_panels(plt, rows)
    for a, c, nz in panels:
        for m in RECEIVERS + ("closed_form",):
            xs, ys = _series(rows, "snr_db", "ber", constellation=c, noise=nz, method=m)
            ok = (ys > 0) & (ys <= 0.5)          # the Gray closed form exceeds 0.5 (invalid) at low SNR
            if ok.any():
                a.semilogy(xs[ok], ys[ok], label=LABELS.get(m, "closed form (Gray approx.)"), ms=4,
                           **_STYLE[m])
        a.set_title(f"{c}, {nz} noise")
        a.set_xlabel("Es/N0 (dB)")
        a.set_ylabel("BER")
        a.grid(alpha=0.3, which="both")
    ax[0][0].legend(fontsize=7)
    return _save(fig, path)


def plot_kappa(rows, path, setting=None):
    """MSE (dB) vs kappa_r, one panel per constellation."""
    plt = _plt()
    consts = _uniq(rows, "constellation")
    fig, ax = _grid(plt, 1, len(consts))
    for j, c in enumerate(consts):
        a = ax[0][j]
        for m in RECEIVERS:
            xs, ys = _series(rows, "kappa_r", "mse_db", constellation=c, method=m)
            if xs.size:
                a.plot(xs, ys, label=LABELS[m], ms=4, **_STYLE[m])
        r0 = _sel(rows, constellation=c)[0]
        _label(a, f"{c}, κ_t = {r0.get('kappa_t')}, Es/N0 {r0.get('snr_db'):g} dB, Rayleigh", "κ_r", "MSE (dB)",
               clip=True)
    ax[0][0].legend(fontsize=7)
    return _save(fig, path)


def _cfg_label(a, c):
    return f"{a} antenna" if a == 1 else f"{a} antennas, {'CSI (MRT)' if c else 'no CSI'}"


def plot_mimo(rows, path, setting=None):
    """NMSE (dB) and cosine similarity vs SNR: columns = antenna configuration, rows = metric."""
    plt = _plt()
    cfgs = list(dict.fromkeys((r["antennas"], r["csi"]) for r in rows))
    fig, ax = _grid(plt, 2, len(cfgs))
    for j, (na, c) in enumerate(cfgs):
        for i, metric in enumerate(("nmse_db", "cosine")):
            a = ax[i][j]
            for m in RECEIVERS:
                xs, ys = _series(rows, "snr_db", metric, antennas=na, csi=c, method=m)
                if xs.size:
                    a.plot(xs, ys, label=LABELS[m], ms=4, **_STYLE[m])
            _label(a, _cfg_label(na, c), "Es/N0 (dB)", "NMSE (dB)" if metric == "nmse_db" else "cosine similarity",
                   clip=metric == "nmse_db")
    ax[0][0].legend(fontsize=7)
    return _save(fig, path)


def plot_swissroll(rows, path, setting=None):
    """Cosine similarity vs quantiser bits, one panel per SNR."""
    plt = _plt()
    snrs = _uniq(rows, "snr_db")
    fig, ax = _grid(plt, 1, len(snrs), w=4.2)
    for j, s in enumerate(snrs):
        a = ax[0][j]
        for m in ("raw", "ddpm_paper", "ddpm_matched", "ddpm_ddim", "ddpm_default", "dnn", "mmse"):
            xs, ys = _series(rows, "quant_bits", "cosine", snr_db=s, method=m)
            if xs.size:
                a.plot(xs, ys, label=LABELS[m], ms=4, **_STYLE[m])
        a.axhline(0.99, color="0.7", lw=0.8)
        _label(a, f"swiss roll, Es/N0 {s:g} dB", "quantiser bits", "cosine similarity")
    ax[0][0].legend(fontsize=7)
    return _save(fig, path)


def plot_snapshots(snaps, path, setting=None):
    """Reverse-process pictures: per SNR a row original | quantised | received | x_t (every few steps, rescaled
    by 1/sqrt(abar_t) ... shown as the raw chain state) | reconstructed."""
    plt = _plt()
    k = len(snaps[0]["t"])
    nc = 3 + k
    fig, ax = plt.subplots(len(snaps), nc, figsize=(1.6 * nc, 1.7 * len(snaps)), squeeze=False)
    for i, s in enumerate(snaps):
        panels = [("original", s["x"]), (f"quantised {setting['bits'] if setting else ''} b", s["xq"]),
                  (f"received {s['snr_db']:g} dB", s["y"])]
        panels += [(f"t = {t}" if t != s["t"][-1] else "reconstructed", s["traj"][q])
                   for q, t in enumerate(s["t"])]
        for j, (title, z) in enumerate(panels):
            a = ax[i][j]
            a.scatter(z.real, z.imag, s=0.3, color="C0" if j >= 3 else "0.3", rasterized=True)
            a.set_xlim(-2.2, 2.2)
            a.set_ylim(-2.2, 2.2)
            a.set_xticks([])
            a.set_yticks([])
            a.set_title(title, fontsize=7)
    return _save(fig, path)


def plot_shaping(rows, path, setting=None):
    """Gap to capacity vs SNR: panels (constellation, channel); lines uniform, DDPM, MB, Blahut-Arimoto."""
    plt = _plt()
    fig, ax, panels = _constellation_noise_panels(plt, rows)
    for a, c, nz in panels:
        if not _sel(rows, constellation=c, noise=nz):
            a.set_visible(False)                   # e.g. the hardware channel is measured for 16-QAM only
            continue
        for m in ("uniform", "ddpm", "mb", "ba"):
            xs, ys = _series(rows, "snr_db", "gap", constellation=c, noise=nz, method=m)
            if xs.size:
                a.plot(xs, ys, label=_SHAPE_LABELS[m], ms=4, **_STYLE[m])
        _label(a, f"{c}, {nz}", "Es/N0 (dB)", "log2(1+SNR) - MI (bit/symbol)")
    ax[0][0].legend(fontsize=7)
    return _save(fig, path)


# ----------------------------------------------------------------------------------------------- tables
def _table(rows, row_keys, col_key, value, fmt):
    return markdown_table(rows, row_keys, col_key, value, fmt,
                          floor=-250.0 if value in ("mse_db", "nmse_db") else None)   # only an exact 0


def tables(name, rows):
    """Markdown tables of an experiment's rows (str)."""
    if name == "hardware":
        from gnuradio.ddpm.evaluation.hardware import tables as hardware_tables
        return hardware_tables(rows)
    out = []
    if name in ("mse", "ber"):
        metric, fmt = ("mse_db", "{:.1f}") if name == "mse" else ("ber", "{:.3g}")
        # the Gray BER closed form is an approximation that exceeds 0.5 (meaningless) at low SNR: not shown
        rows = [r for r in rows if not (r.get("method") == "closed_form" and r.get("ber", 0) > 0.5)]
        for c in _uniq(rows, "constellation"):
            for nz in _uniq(rows, "noise"):
                rs = _sel(rows, constellation=c, noise=nz)
                out.append(f"**{c}, {nz} noise, {metric}** (columns: Es/N0 in dB)\n")
                out.append(_table(rs, ["method"], "snr_db", metric, fmt) + "\n")
    elif name == "kappa":
        for c in _uniq(rows, "constellation"):
            out.append(f"**{c}, MSE (dB)** (columns: κ_r)\n")
            out.append(_table(_sel(rows, constellation=c), ["method"], "kappa_r", "mse_db", "{:.1f}") + "\n")
    elif name == "mimo":
        for metric, fmt in (("nmse_db", "{:.1f}"), ("cosine", "{:.4f}")):
            out.append(f"**{metric}** (columns: Es/N0 in dB)\n")
            out.append(_table(rows, ["antennas", "csi", "method"], "snr_db", metric, fmt) + "\n")
    elif name == "mimo-ce":
        from gnuradio.ddpm.evaluation.mimo_ce import tables as mimo_ce_tables
        out.append(mimo_ce_tables(rows))
    elif name == "swissroll":
        out.append("**cosine similarity** (columns: quantiser bits)\n")
        out.append(_table(rows, ["snr_db", "method"], "quant_bits", "cosine", "{:.4f}") + "\n")
        out.append("**MSE (dB)** (columns: quantiser bits)\n")
        out.append(_table(rows, ["snr_db", "method"], "quant_bits", "mse_db", "{:.1f}") + "\n")
    elif name == "shaping":
        for nz in _uniq(rows, "noise"):
            rs = _sel(rows, noise=nz)
            out.append(f"**Gap to capacity log2(1+SNR) (bit/symbol), {nz}** (columns: Es/N0 in dB)\n")
            out.append(_table(rs, ["constellation", "method"], "snr_db", "gap", "{:.3f}") + "\n")
            nets = sorted(k for k in (rs[0].keys() if rs else []) if k.startswith("net_"))
            nets = sorted({k for r in rs for k in r if k.startswith("net_")}, key=lambda k: int(k[4:]))
            for k in nets:
                out.append(f"**Net rate after the CCDM loss at n = {k[4:]} (bit/symbol), {nz}** "
                           "(columns: Es/N0 in dB; uniform needs no matcher)\n")
                out.append(_table([r for r in rs if k in r], ["constellation", "method"], "snr_db", k, "{:.3f}")
                           + "\n")
        ent = [dict(r, method=f"H({r['method']}), {r['noise']}") for r in rows
               if "entropy" in r and math.isfinite(r["entropy"]) and r["method"] in ("ddpm", "mb", "ba")]
        if ent:
            out.append("**PMF entropies (bits)**\n")
            out.append(_table(ent, ["constellation", "method"], "snr_db", "entropy", "{:.3f}") + "\n")
    return "\n".join(out)
