"""``ddpm-eval``: headless evaluation sweeps of the gr-ddpm receivers and shaper (issue 6, docs/results.md).

Command line (also ``python -m gnuradio.ddpm.evaluation.runner``)::

    ddpm-eval EXPERIMENT [--quick|--full] [--out DIR] [--scheduler ADDRESS] [--workers N] [--serial]
    ddpm-eval all --full --out docs/results        # the results page's data and plots
    ddpm-eval mse --quick --markdown               # also print the result table as Markdown
    ddpm-eval mse --model mine.onnx                # a user's model (path or name) instead of the shipped one

EXPERIMENT is one of ``mse``, ``ber``, ``kappa``, ``mimo``, ``swissroll``, ``shaping``, ``hardware``, ``mimo-ce``
or ``all``. Each experiment is a list of Monte-Carlo points (:mod:`gnuradio.ddpm.evaluation.experiments`); the
points run in parallel on Dask -- a ``LocalCluster`` of ``--workers`` processes (one thread each) by default, an existing scheduler with
``--scheduler tcp://host:port``, or in this process with ``--serial``. DDPM results come from the C++ kernel
(``ddpm.ddpm_sampler``, the one the flowgraph blocks use), never from torch.

Seeds: point i of experiment E gets ``point_seed(base_seed, E, key_i)`` where key_i is the point's canonical
parameter string, so the numbers do not depend on the order or place the points run (Dask or serial) nor on the
other points of the setting (a point with the same parameters gets the same seed in any setting or subset).

Outputs in DIR: ``E.csv`` (long format: one row per point and method), ``E.png`` (matplotlib, Agg),
``E.json`` (setting, command, machine, run time, model files and their SHA-256), and for ``swissroll`` also
``swissroll_snapshots.png``.
"""
import argparse
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from gnuradio.ddpm.evaluation import experiments as ex
from gnuradio.ddpm.evaluation import hardware as ex_hardware
from gnuradio.ddpm.evaluation import mimo_ce
from gnuradio.ddpm.evaluation.tables import markdown_table, read_csv, write_csv
from gnuradio.ddpm.evaluation.user_model import resolve_user_model, with_user_model

__all__ = ["EXPERIMENTS", "Experiment", "RunResult", "point_seed", "run_experiment", "make_client",
           "write_csv", "read_csv", "markdown_table", "main", "DEFAULT_SEED"]

DEFAULT_SEED = 20260601

def _dnn_default_budget():
    """The DNN baseline's own default training budget (``dnn.train_dnn_receiver``'s n_train and epochs): the full
    settings use it, so the baseline is not handicapped by a smaller one. -> dict(dnn_train, dnn_epochs)."""
    import inspect
    from gnuradio.ddpm.evaluation.dnn import train_dnn_receiver
    p = inspect.signature(train_dnn_receiver).parameters
    return dict(dnn_train=int(p["n_train"].default), dnn_epochs=int(p["epochs"].default))


_DNN_FULL = _dnn_default_budget()
_LINK_FULL = dict(n=4000, quant_bits=8, full_scale=1.5, ddim_steps=10, **_DNN_FULL)
_LINK_QUICK = dict(n=2000, quant_bits=8, full_scale=1.5, ddim_steps=10, dnn_train=4000, dnn_epochs=4)


def _grid(a, b, step):
    return [float(v) for v in np.round(np.arange(a, b + step / 2, step), 6)]


@dataclass
class Experiment:
    """One experiment: name, a description, the point function (module-level, picklable), the settings
    (``quick``/``full``: dict of lists/values the point builder reads), the point builder
    ``points(setting dict) -> list of point dicts``, the plotter ``plot(rows, png_path, setting)`` and the
    models it needs (short names)."""
    name: str
    title: str
    run_point: object
    settings: dict
    points: object
    plot: object
    models: tuple = field(default_factory=tuple)


def _link_points(cfg):
    return [dict(order=m, noise=nz, snr_db=snr, **cfg["common"])
            for m in cfg["orders"] for nz in cfg["noises"] for snr in cfg["snrs"]]


def _kappa_points(cfg):
    return [dict(order=m, kappa_r=kr, **cfg["common"]) for m in cfg["orders"] for kr in cfg["kappa_r"]]


def _mimo_points(cfg):
    return [dict(order=cfg["order"], antennas=a, csi=c, snr_db=snr, **cfg["common"])
            for a, c in cfg["configs"] for snr in cfg["snrs"]]


def _swissroll_points(cfg):
    return [dict(bits=b, snr_db=snr, **cfg["common"]) for snr in cfg["snrs"] for b in cfg["bits"]]


def _shaping_points(cfg):
    return [dict(order=m, snr_db=snr, **cfg["common"]) for m in cfg["orders"] for snr in cfg["snrs"]]


def _hardware_points(cfg):
    return [dict(case=c, snrs=list(cfg["snrs"]), **cfg["common"]) for c in cfg["cases"]]


def _plot_hardware(rows, path, cfg):
    from gnuradio.ddpm.evaluation.hardware import plot_hardware
    return plot_hardware(rows, path, cfg)


def _plots():
    from gnuradio.ddpm.evaluation import plots as eval_plots
    return eval_plots


EXPERIMENTS = {
    "mse": Experiment(
        "mse", "MSE vs SNR, 16/64/256-QAM with 8-bit quantised data, AWGN and Laplacian noise", ex.run_link,
        {"quick": {"orders": [16], "noises": ["gaussian", "laplacian"], "snrs": [0.0, 10.0],
                   "common": _LINK_QUICK},
         "full": {"orders": [16, 64, 256], "noises": ["gaussian", "laplacian"], "snrs": _grid(-30, 30, 5),
                  "common": _LINK_FULL}},
        _link_points, lambda r, p, c: _plots().plot_mse(r, p, c), ("qam16", "qam64", "qam256")),
    "ber": Experiment(
        "ber", "Uncoded BER vs SNR, 16/64-QAM, AWGN and Laplacian noise", ex.run_link,
        {"quick": {"orders": [16], "noises": ["gaussian"], "snrs": [5.0, 10.0], "common": _LINK_QUICK},
         "full": {"orders": [16, 64], "noises": ["gaussian", "laplacian"], "snrs": _grid(-25, 20, 5),
                  "common": dict(_LINK_FULL, n=10000)}},
        _link_points, lambda r, p, c: _plots().plot_ber(r, p, c), ("qam16", "qam64")),
    "kappa": Experiment(
        "kappa", "MSE vs receive impairment kappa_r, kappa_t = 0.05, Rayleigh block fading, SNR 20 dB", ex.run_kappa,
        {"quick": {"orders": [16], "kappa_r": [0.0, 0.0225],
                   "common": dict(snr_db=20.0, kappa_t=0.05, coherence_len=10, n=2000, ddim_steps=10,
                                  dnn_train=4000, dnn_epochs=4)},
         "full": {"orders": [16, 64], "kappa_r": [round((0.025 * k) ** 2, 8) for k in range(7)],
                  "common": dict(snr_db=20.0, kappa_t=0.05, coherence_len=10, n=8000, ddim_steps=10,
                                 **_DNN_FULL)}},
        _kappa_points, lambda r, p, c: _plots().plot_kappa(r, p, c), ("qam16", "qam64")),
    "mimo": Experiment(
        "mimo", "NMSE and cosine similarity vs SNR, 16-QAM, 1 and 4 transmit antennas with/without CSI",
        ex.run_mimo,
        {"quick": {"order": 16, "configs": [(1, False), (4, True)], "snrs": [10.0],
                   "common": dict(kappa_t=0.01, kappa_r=0.01, coherence_len=10, n=2000, ddim_steps=10,
                                  dnn_train=4000, dnn_epochs=4)},
         "full": {"order": 16, "configs": [(1, False), (4, False), (4, True)], "snrs": _grid(-10, 30, 5),
                  "common": dict(kappa_t=0.01, kappa_r=0.01, coherence_len=10, n=5000, ddim_steps=10,
                                 **_DNN_FULL)}},
        _mimo_points, lambda r, p, c: _plots().plot_mimo(r, p, c), ("qam16",)),
    "swissroll": Experiment(
        "swissroll", "Cosine similarity vs quantiser bits on the swiss roll, and the reverse process",
        ex.run_swissroll,
        {"quick": {"bits": [4, 8], "snrs": [20.0], "snapshots": None,
                   "common": dict(full_scale=1.6, n=2000, ddim_steps=10, dnn_train=4000, dnn_epochs=4,
                                  prototypes=128, dictionary=2000)},
         "full": {"bits": [4, 6, 8], "snrs": [0.0, 10.0, 20.0, 30.0],
                  "snapshots": dict(snrs=[0.0, 10.0, 20.0], bits=6, n=1500, every=10),
                  "common": dict(full_scale=1.6, n=4000, ddim_steps=10, **_DNN_FULL,
                                 prototypes=256, dictionary=8192)}},
        _swissroll_points, lambda r, p, c: _plots().plot_swissroll(r, p, c), ("swissroll",)),
    "shaping": Experiment(
        "shaping", "Shaping gap to capacity vs SNR: uniform, DDPM, Maxwell-Boltzmann, Blahut-Arimoto; AWGN, Laplacian, "
        "hardware; net rate after CCDM loss",
        ex.run_shaping,
        {"quick": {"orders": [16], "snrs": [10.0],
                   "common": dict(points_per_symbol=128, capture=4000, block_lengths=[256, 1024, 4096])},
         "full": {"orders": [16, 64], "snrs": _grid(0, 20, 5),
                  "common": dict(points_per_symbol=512, capture=20000, block_lengths=[256, 1024, 4096])}},
        _shaping_points, lambda r, p, c: _plots().plot_shaping(r, p, c), ("qam16", "qam64")),
    "hardware": Experiment(
        "hardware", "SER and MSE vs Es/N0, 16-QAM through transmitter hardware: textbook receivers against a DDPM "
        "and learned baselines trained on a clean capture of that transmitter",
        ex_hardware.run_hardware,
        {"quick": {"cases": ["cheap_sdr"], "snrs": [10.0, 25.0],
                   "common": dict(capture=20000, n=10000, genie=10000, ddpm_steps=600, ddpm_batch=512,
                                  dnn_train=20000, dnn_epochs=5)},
         "full": {"cases": ["pa", "iq_dc", "cheap_sdr", "pa_rrc", "strong_pn"], "snrs": _grid(-10, 30, 5),
                  "common": dict(capture=100000, n=20000, genie=20000, ddpm_steps=4000, ddpm_batch=1024,
                                 dnn_train=50000, dnn_epochs=20)}},
        _hardware_points, _plot_hardware, ()),
    "mimo-ce": Experiment(                 # MIMO channel estimation (evaluation/mimo_ce.py, docs/mimo.md)
        "mimo-ce", "MIMO channel estimation NMSE vs SNR: diffusion posterior sampling vs LS, LMMSE, OMP, Lasso, "
        "supervised", mimo_ce.run_point, mimo_ce.SETTINGS, mimo_ce.points, lambda r, p, c: mimo_ce.plot(r, p, c),
        ("mimo_street", "mimo_street_sup")),
}


# ----------------------------------------------------------------------------------------------- seeds
def _canonical(point):
    return json.dumps(point, sort_keys=True, separators=(",", ":"))


def point_seed(base_seed, experiment, point):
    """Seed of one Monte-Carlo point: the first 63 bits of SHA-256 of "base_seed/experiment/canonical point".

    base_seed: int; experiment: str; point: dict (JSON-able) or str key. Returns int in [0, 2^63).
    """
    key = point if isinstance(point, str) else _canonical(point)
    h = hashlib.sha256(f"{int(base_seed)}/{experiment}/{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") >> 1


# ----------------------------------------------------------------------------------------------- Dask
def make_client(scheduler=None, workers=2, processes=True):
    """A dask.distributed Client: connected to ``scheduler`` (address str) or to a new LocalCluster of
    ``workers`` workers with one thread each (processes, or threads with processes=False).
    Returns (client, cluster or None). Raises RuntimeError when dask.distributed is not installed."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise RuntimeError(f"ddpm-eval needs dask.distributed for parallel runs ({e}); install it "
                           "(requirements.txt) or use --serial") from None
    if scheduler:
        return Client(scheduler), None
    workers = int(workers)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=bool(processes),
                           dashboard_address=None)
    return Client(cluster), cluster


def _call(fn, point, seed, threads):
    return fn(point, seed, threads)


# ----------------------------------------------------------------------------------------------- runner
@dataclass
class RunResult:
    """rows: list of dicts (CSV rows); seconds: wall time; csv/png/meta: written paths or None."""
    rows: list
    seconds: float
    csv: str = None
    png: str = None
    meta: str = None
    extra: list = field(default_factory=list)


def _machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0], "numpy": np.__version__,
            "platform": platform.platform()}


def _model_info(names):
    info = {}
    for n in names:
        try:
            from gnuradio.ddpm.modelfile.lookup import find_model
            p = find_model(n)
            with open(p, "rb") as f:
                info[n] = {"path": p, "sha256": hashlib.sha256(f.read()).hexdigest()}
        except (OSError, FileNotFoundError) as e:
            info[n] = {"error": str(e)}
    return info


def run_experiment(name, setting="quick", out=None, scheduler=None, workers=2, serial=False, client=None,
                   base_seed=DEFAULT_SEED, progress=True, points=None, plot=True, command=None, model=None):
    """Run one experiment.

    name: key of EXPERIMENTS; setting: "quick" | "full"; out: directory for CSV/PNG/JSON (None: write nothing);
    scheduler: Dask scheduler address (None: LocalCluster of ``workers`` processes); serial: run in this
    process without Dask; client: an existing dask Client to use (overrides scheduler/workers); base_seed: int;
    progress: tqdm bar; points: optional list of indices to run a subset of the setting's points; model: a
    user's model (path or name) in place of the shipped one (``evaluation.user_model``; ValueError when it is
    missing, invalid or does not fit, or the experiment uses no model).
    Returns RunResult. Raises KeyError-free ValueError for an unknown experiment/setting.
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose from {', '.join(EXPERIMENTS)} or all")
    exp = EXPERIMENTS[name]
    if setting not in exp.settings:
        raise ValueError(f"unknown setting {setting!r}; choose quick or full")
    cfg = exp.settings[setting]
    models = exp.models
    if model is not None:
        if not exp.models:
            raise ValueError(f"experiment {name!r} uses no DDPM model: --model does not apply to it")
        path, _m = resolve_user_model(model)
        cfg, models = with_user_model(name, cfg, path, _m), (path,)
    pts = exp.points(cfg)
    if points is not None:
        pts = [pts[i] for i in points]
    # the seed does not depend on the model: a user's model sees the shipped model's symbols and noise
    seeds = [point_seed(base_seed, name, {k: v for k, v in p.items() if k != "model"}) for p in pts]
    for m in models:                          # fail before starting workers when a model is missing
        from gnuradio.ddpm.modelfile.lookup import find_model
        find_model(m)
    t0 = time.time()
    results = [None] * len(pts)
    bar = None
    if progress:
        try:
            from tqdm import tqdm
            bar = tqdm(total=len(pts), desc=f"ddpm-eval {name} ({setting})", unit="pt", file=sys.stderr)
        except ImportError:                   # the bar is optional (tqdm is pinned in requirements.txt)
            bar = None
    own = None
    try:
        if serial:
            for i, (p, s) in enumerate(zip(pts, seeds)):
                results[i] = exp.run_point(p, s, 0)
                if bar:
                    bar.update(1)
        else:
            if client is None:
                client, own = make_client(scheduler, workers)
                own = (client, own)
            from distributed import as_completed
            futs = [client.submit(_call, exp.run_point, p, s, 1, key=f"{name}-{i}-{s}", pure=False)
                    for i, (p, s) in enumerate(zip(pts, seeds))]
            index = {f.key: i for i, f in enumerate(futs)}
            for f in as_completed(futs):
                results[index[f.key]] = f.result()
                if bar:
                    bar.update(1)
    finally:
        if bar:
            bar.close()
        if own:
            own[0].close()
            if own[1] is not None:
                own[1].close()
    rows = [{"experiment": name, **r} for res in results for r in res]
    res = RunResult(rows=rows, seconds=time.time() - t0)
    if out is not None:
        os.makedirs(out, exist_ok=True)
        res.csv = write_csv(rows, os.path.join(out, f"{name}.csv"))
        if plot:
            res.png = os.path.join(out, f"{name}.png")
            exp.plot(rows, res.png, cfg)
            if name == "swissroll" and cfg.get("snapshots"):
                from gnuradio.ddpm.evaluation import plots as eval_plots
                sn = cfg["snapshots"]
                snaps = ex.swissroll_snapshots(sn["snrs"], sn["bits"], cfg["common"]["full_scale"], sn["n"],
                                               point_seed(base_seed, name, "snapshots"), sn["every"])
                p = os.path.join(out, "swissroll_snapshots.png")
                eval_plots.plot_snapshots(snaps, p, sn)
                res.extra.append(p)
                res.snapshot_kernel_diff = max(float(np.max(np.abs(s["out"] - s["kernel"]))) for s in snaps)
        res.seconds = time.time() - t0
        meta = {"experiment": name, "title": exp.title, "setting": setting, "config": cfg, "base_seed": base_seed,
                "points": len(pts), "rows": len(rows), "seconds": round(res.seconds, 1),
                "mode": "serial" if serial else (f"dask scheduler {scheduler}" if scheduler else
                                                 f"dask LocalCluster {workers} processes"),
                "command": command, "machine": _machine(), "models": _model_info(models),
                "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t0))}
        if hasattr(res, "snapshot_kernel_diff"):
            meta["snapshot_reference_vs_kernel_max_abs_diff"] = res.snapshot_kernel_diff
        res.meta = os.path.join(out, f"{name}.json")
        with open(res.meta, "w") as f:
            json.dump(meta, f, indent=1, default=str)
    return res


# ----------------------------------------------------------------------------------------------- CLI
def _parser():
    p = argparse.ArgumentParser(prog="ddpm-eval", description="Headless evaluation sweeps of gr-ddpm "
                                "(CSV + PNG per experiment). See docs/results.md.")
    p.add_argument("experiment", help="one of " + ", ".join(EXPERIMENTS) + ", or all")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", dest="setting", action="store_const", const="quick",
                   help="small setting (tests; default)")
    g.add_argument("--full", dest="setting", action="store_const", const="full", help="results-page setting")
    p.set_defaults(setting="quick")
    p.add_argument("--out", default="ddpm-eval-out", help="output directory (default ./ddpm-eval-out)")
    p.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler (tcp://host:port)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    p.add_argument("--serial", action="store_true", help="run in this process, without Dask")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"base seed (default {DEFAULT_SEED})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--markdown", action="store_true", help="print the result tables as Markdown")
    p.add_argument("--model", default=None,
                   help="evaluate this model (a path, or a name on DDPM_MODEL_PATH) instead of the shipped one, "
                        "in the experiments that use a model (with 'all': only those)")
    p.add_argument("--replot", action="store_true",
                   help="do not run: redraw the PNG (and --markdown tables) from the CSV already in --out")
    return p


def _fitting(names, path, m):
    """The experiments of ``names`` that the user's model fits; one line on stderr for each skipped."""
    keep = []
    for n in names:
        try:
            with_user_model(n, EXPERIMENTS[n].settings["quick"], path, m)
            keep.append(n)
        except ValueError as e:
            print(f"ddpm-eval: skipping {n}: {e}", file=sys.stderr)
    if not keep:
        raise ValueError(f"--model {path}: no experiment fits this model")
    return keep


def _replot(names, args):
    from gnuradio.ddpm.evaluation import plots as eval_plots
    for n in names:
        path = os.path.join(args.out, f"{n}.csv")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} does not exist: run the experiment first")
        rows = read_csv(path)
        png = EXPERIMENTS[n].plot(rows, os.path.join(args.out, f"{n}.png"), EXPERIMENTS[n].settings[args.setting])
        print(f"{n}: {len(rows)} rows from {path} -> {png}")
        if args.markdown:
            print(eval_plots.tables(n, rows))
    return 0


def main(argv=None):
    """Console entry point. Returns the exit status (0 ok, 2 usage/setup error)."""
    import matplotlib
    matplotlib.use("Agg")
    args = _parser().parse_args(argv)
    names = list(EXPERIMENTS) if args.experiment == "all" else [args.experiment]
    if args.model is not None and args.experiment == "all":
        names = [n for n in names if EXPERIMENTS[n].models]
    if any(n not in EXPERIMENTS for n in names):
        print(f"ddpm-eval: error: unknown experiment {args.experiment!r}; choose from "
              f"{', '.join(EXPERIMENTS)} or all", file=sys.stderr)
        return 2
    if args.workers < 1:
        print(f"ddpm-eval: error: --workers must be >= 1, got {args.workers}", file=sys.stderr)
        return 2
    command = "ddpm-eval " + " ".join(sys.argv[1:] if argv is None else argv)
    client = own = None
    try:
        if args.model is not None:            # a bad --model fails before any worker starts
            path, m = resolve_user_model(args.model)
            if args.experiment == "all":
                names = _fitting(names, path, m)
        if args.replot:
            return _replot(names, args)
        if not args.serial:
            client, own = make_client(args.scheduler, args.workers)
        for n in names:
            r = run_experiment(n, args.setting, out=args.out, scheduler=args.scheduler, workers=args.workers,
                               serial=args.serial, client=client, base_seed=args.seed,
                               progress=not args.no_progress, command=command, model=args.model)
            print(f"{n}: {len(r.rows)} rows in {r.seconds:.1f} s -> {r.csv}, {r.png}"
                  + "".join(f", {e}" for e in r.extra))
            if args.markdown:
                from gnuradio.ddpm.evaluation import plots as eval_plots
                print(eval_plots.tables(n, r.rows))
    except (RuntimeError, FileNotFoundError, ValueError) as e:
        print(f"ddpm-eval: error: {e}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            client.close()
        if own is not None:
            own.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
