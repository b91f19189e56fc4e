"""Write a gr-ddpm model file (docs/model-format.md, version 1) with ``onnx.helper``.

The graph is built by hand from the (EMA) weights, so names, opset and layout are exactly those of the
contract: inputs ``x`` float32 [N, 2] and ``t`` int64 [N], output ``eps`` float32 [N, 2], initializers
``layers.{l}.weight`` [H, in], ``layers.{l}.bias`` [H], ``embeddings.{l}`` [T, H], ``out.weight`` [2, H],
``out.bias`` [2]. Softplus is written as ``Relu(a) - Log(Sigmoid(Abs(a)))``.
"""
import json
import os
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from gnuradio.ddpm._version import __version__
from gnuradio.ddpm.modelfile.format import (ARCH, FORMAT_VERSION, INPUTS, IR_VERSION, OPSET, OUTPUT, PREDICTION,
                                           initializer_shapes)

__all__ = ["CREATED_BY", "build_model", "export_onnx", "git_commit",
           "float_list_json"]

CREATED_BY = f"gr-ddpm {__version__} (gnuradio.ddpm.training.train)"


def float_list_json(values):
    """JSON array of float64 numbers written with repr (shortest round-trip form, <= 17 significant
    digits), so that ``json.loads`` / ``strtod`` read back the identical float64 values.

    values: float array [K] (or nested [K, 2]) -> str.
    """
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ", ".join(float_list_json(row) for row in a) + "]"


def git_commit():
    """``git rev-parse HEAD`` of the source tree this module lives in (or the cwd), else 'unknown'."""
    for d in (os.path.dirname(os.path.abspath(__file__)), os.getcwd()):
        try:
            out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=d, capture_output=True, text=True,
                                 timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return "unknown"


def write_atomic(path, model):
    """Write the ONNX ``model`` (onnx.ModelProto) to ``path`` atomically (through path + ".tmp", directories
    created): a reader never sees half a model file. Returns path."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, path)
    return path


def build_model(weights, T, metadata):
    """Build the ONNX ModelProto.

    weights: dict name -> float32 array (names of docs/model-format.md); T: number of steps;
    metadata: dict str -> str (metadata_props). Returns onnx.ModelProto (checked with onnx.checker).
    """
    depth = 0
    while f"layers.{depth}.weight" in weights:
        depth += 1
    if depth < 1:
        raise ValueError("export: no 'layers.0.weight' in the weights")
    hidden = int(np.asarray(weights["layers.0.weight"]).shape[0])
    expected = dict(initializer_shapes(T, hidden, depth))
    inits = []
    for name, shape in expected.items():
        if name not in weights:
            raise ValueError(f"export: missing weight '{name}'")
        a = np.ascontiguousarray(np.asarray(weights[name], dtype=np.float32))
        if a.shape != shape:
            raise ValueError(f"export: weight '{name}' has shape {a.shape}, expected {shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"export: non-finite value in weight '{name}'")
        inits.append(numpy_helper.from_array(a, name=name))

    nodes = []
    h = "x"
    for l in range(depth):
        p = f"l{l}_"
        nodes += [
            helper.make_node("Gemm", [h, f"layers.{l}.weight", f"layers.{l}.bias"], [p + "a"], transB=1,
                             name=p + "gemm"),
            helper.make_node("Relu", [p + "a"], [p + "relu"], name=p + "relu"),
            helper.make_node("Abs", [p + "a"], [p + "abs"], name=p + "abs"),
            helper.make_node("Sigmoid", [p + "abs"], [p + "sig"], name=p + "sigmoid"),
            helper.make_node("Log", [p + "sig"], [p + "logsig"], name=p + "log"),
            helper.make_node("Sub", [p + "relu", p + "logsig"], [p + "softplus"], name=p + "softplus"),
            helper.make_node("Gather", [f"embeddings.{l}", "t"], [p + "gamma"], axis=0, name=p + "gather"),
            helper.make_node("Mul", [p + "softplus", p + "gamma"], [p + "h"], name=p + "mul"),
        ]
        h = p + "h"
    nodes.append(helper.make_node("Gemm", [h, "out.weight", "out.bias"], [OUTPUT[0]], transB=1, name="out_gemm"))

    graph = helper.make_graph(
        nodes, "ddpm_eps",
        inputs=[helper.make_tensor_value_info(name, getattr(TensorProto, dtype), list(shape))
                for name, dtype, shape in INPUTS],
        outputs=[helper.make_tensor_value_info(OUTPUT[0], getattr(TensorProto, OUTPUT[1]), list(OUTPUT[2]))],
        initializer=inits,
        doc_string="gr-ddpm noise-prediction network eps_theta(x, t); see docs/model-format.md")
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="gr-ddpm", producer_version=__version__)
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {str(k): str(v) for k, v in metadata.items()})
    onnx.checker.check_model(model)
    return model


def export_onnx(path, weights, betas, *, schedule, dataset, dataset_params=None, power_scale=1.0,
                constellation=None, bits_per_symbol=0, train_seed=0, train_steps=None, final_loss=None,
                extra_metadata=None):
    """Write a model file.

    path: output .onnx path (directories are created). weights: dict name -> float32 array (EMA weights).
    betas: float64 [T] (stored number by number). constellation: complex [M] in model units or None;
    bits_per_symbol: log2(M) when a constellation is given. Returns the metadata dict written.
    """
    betas = np.asarray(betas, dtype=np.float64).reshape(-1)
    T = int(betas.shape[0])
    depth = sum(1 for k in weights if k.startswith("layers.") and k.endswith(".weight"))
    hidden = int(np.asarray(weights["layers.0.weight"]).shape[0])
    meta = {
        "ddpm.format_version": str(FORMAT_VERSION),
        "ddpm.arch": ARCH,
        "ddpm.hidden": str(hidden),
        "ddpm.depth": str(depth),
        "ddpm.T": str(T),
        "ddpm.betas": float_list_json(betas),
        "ddpm.schedule": str(schedule),
        "ddpm.prediction": PREDICTION,
        "ddpm.dataset": str(dataset),
        "ddpm.power_scale": repr(float(power_scale)),
        "ddpm.opset": str(OPSET),
        "ddpm.train_seed": str(int(train_seed)),
        "ddpm.commit": git_commit(),
        "ddpm.created_by": CREATED_BY,
    }
    if dataset_params is not None:
        meta["ddpm.dataset_params"] = json.dumps(dataset_params, sort_keys=True)
    if constellation is not None:
        c = np.asarray(constellation, dtype=np.complex128).reshape(-1)
        meta["ddpm.constellation"] = float_list_json(np.stack([c.real, c.imag], axis=1))
        meta["ddpm.bits_per_symbol"] = str(int(bits_per_symbol))
    if train_steps is not None:
        meta["ddpm.train_steps"] = str(int(train_steps))
    if final_loss is not None:
        meta["ddpm.final_loss"] = repr(float(final_loss))
    if extra_metadata:
        meta.update({str(k): str(v) for k, v in extra_metadata.items()})
    write_atomic(path, build_model(weights, T, meta))
    return meta
