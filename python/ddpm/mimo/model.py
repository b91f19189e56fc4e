"""The MIMO channel denoiser model file: architecture ``mimo_resmlp_wiener`` (docs/model-format.md), its ONNX
writer, its reader and its numpy forward pass (no torch, no ONNX Runtime needed to run it).

Network (x: the noisy channel, real layout [Re h, Im h], float32 [N, 2M], M = Nr*Nt; sigma: complex noise std
per entry, float32 [N]; sigma_d = 1 the entries' rms)::

    c_in = 1/sqrt(sigma^2 + 1), c_out = sigma/sqrt(sigma^2 + 1)
    e    = [sin(f log sigma), cos(f log sigma)]                              f = emb.freq [F]
    skip = Q diag(lambda/(lambda + sigma^2)) Q^T x      (skip 'wiener': the Wiener filter of the training
                                                         covariance in real form; 'identity': skip = x)
    h_0  = (c_in x) W_in^T + b_in + e E_in^T + e_in
    h_{l+1} = h_l + silu(h_l W1_l^T + b1_l + e E_l^T + e_l) W2_l^T + b2_l        l = 0 .. D-1
    D    = skip + c_out (silu(h_D) W_out^T + b_out)

``out.weight`` starts at zero, so an untrained denoiser is exactly the Wiener filter (the LMMSE denoiser of the
training covariance). Role 'denoiser': D(x, sigma) ~ E[h | h + sigma n = x]; role 'supervised': x is the LMMSE
estimate and sigma its rms error, D the channel estimate (the supervised baseline of the same size).
"""
import json
import math
import os

import numpy as np

from gnuradio.ddpm.mimo.channels import Array, ArrayConfig

__all__ = ["ARCH", "MimoModel", "MimoModelError", "initializer_shapes", "build_onnx", "save_model", "load_model",
           "real_form", "complex_form", "wiener_basis", "MAX_FILE_BYTES"]

ARCH = "mimo_resmlp_wiener"
OPSET = 17
IR_VERSION = 8
MAX_FILE_BYTES = 256 << 20
REQUIRED = ("ddpm.format_version", "ddpm.arch", "ddpm.hidden", "ddpm.depth", "ddpm.mimo.bs", "ddpm.mimo.ue",
            "ddpm.mimo.skip", "ddpm.mimo.role", "ddpm.mimo.freqs")


class MimoModelError(ValueError):
    """A MIMO model file that cannot be used; the message names the problem and the file."""


def real_form(h):
    """complex [..., M] -> float [..., 2M] ([Re, Im])."""
    h = np.asarray(h)
    return np.concatenate([h.real, h.imag], axis=-1)


def complex_form(x):
    """float [..., 2M] -> complex128 [..., M]."""
    x = np.asarray(x, dtype=np.float64)
    m = x.shape[-1] // 2
    return x[..., :m] + 1j * x[..., m:]


def wiener_basis(R):
    """Eigen-decomposition of a complex covariance R [M, M] in real form: (Q float64 [2M, 2M] orthogonal,
    lam float64 [2M] >= 0) with real_form(R h) = Q diag(lam) Q^T real_form(h) for every h."""
    lam, U = np.linalg.eigh(0.5 * (R + R.conj().T))
    lam = np.maximum(lam, 0.0)
    Q = np.block([[U.real, -U.imag], [U.imag, U.real]])
    return Q, np.concatenate([lam, lam])


def initializer_shapes(m2, hidden, depth, freqs, skip):
    """(name, shape) of every required initializer. m2 = 2M; skip 'wiener' adds wiener.basis/eig."""
    h, f2 = int(hidden), 2 * int(freqs)
    out = [("emb.freq", (int(freqs),)), ("in.weight", (h, m2)), ("in.bias", (h,)),
           ("emb_in.weight", (h, f2)), ("emb_in.bias", (h,))]
    for l in range(int(depth)):
        out += [(f"blocks.{l}.fc1.weight", (h, h)), (f"blocks.{l}.fc1.bias", (h,)),
                (f"blocks.{l}.emb.weight", (h, f2)), (f"blocks.{l}.emb.bias", (h,)),
                (f"blocks.{l}.fc2.weight", (h, h)), (f"blocks.{l}.fc2.bias", (h,))]
    out += [("out.weight", (m2, h)), ("out.bias", (m2,))]
    if skip == "wiener":
        out += [("wiener.basis", (m2, m2)), ("wiener.eig", (m2,))]
    out += [("cov.real", (m2 // 2, m2 // 2)), ("cov.imag", (m2 // 2, m2 // 2))]
    return out


def _silu(a):
    return a / (1.0 + np.exp(-a))


class MimoModel:
    """A loaded (or freshly built) MIMO model.

    weights: dict name -> float32 array (cov.* float64); meta: dict str -> str. Attributes: arrays (ArrayConfig),
    M (complex entries), hidden, depth, skip, role, cov (complex128 [M, M], the training covariance),
    sampler (dict, the validation-chosen sampler settings, may be empty).
    """

    def __init__(self, weights, meta, path="<memory>"):
        self.path = path
        self.meta = dict(meta)
        self.weights = weights
        self.arrays = ArrayConfig(Array.parse(meta["ddpm.mimo.bs"]), Array.parse(meta["ddpm.mimo.ue"]))
        self.M = self.arrays.dim
        self.hidden = int(meta["ddpm.hidden"])
        self.depth = int(meta["ddpm.depth"])
        self.skip = meta["ddpm.mimo.skip"]
        self.role = meta["ddpm.mimo.role"]
        self.cov = np.asarray(weights["cov.real"], np.float64) + 1j * np.asarray(weights["cov.imag"], np.float64)
        self.sampler = json.loads(meta.get("ddpm.mimo.sampler", "{}"))
        if self.skip == "wiener":
            self._Q = np.asarray(weights["wiener.basis"], np.float32)
            self._lam = np.asarray(weights["wiener.eig"], np.float32)

    def forward_real(self, x, sigma):
        """The network: x float [N, 2M], sigma float [N] (> 0) -> float32 [N, 2M]."""
        w = self.weights
        x = np.asarray(x, dtype=np.float32)
        s = np.asarray(sigma, dtype=np.float32).reshape(-1, 1)
        s2 = s * s
        c_in = 1.0 / np.sqrt(s2 + 1.0)
        c_out = s * c_in
        arg = np.log(s) * w["emb.freq"][None, :]
        e = np.concatenate([np.sin(arg), np.cos(arg)], axis=1)
        h = (c_in * x) @ w["in.weight"].T + w["in.bias"] + e @ w["emb_in.weight"].T + w["emb_in.bias"]
        for l in range(self.depth):
            p = f"blocks.{l}."
            a = h @ w[p + "fc1.weight"].T + w[p + "fc1.bias"] + e @ w[p + "emb.weight"].T + w[p + "emb.bias"]
            h = h + _silu(a) @ w[p + "fc2.weight"].T + w[p + "fc2.bias"]
        out = _silu(h) @ w["out.weight"].T + w["out.bias"]
        if self.skip == "wiener":
            skip = ((x @ self._Q) * (self._lam / (self._lam + s2))) @ self._Q.T
        else:
            skip = x
        return (skip + c_out * out).astype(np.float32)

    def denoise(self, x, sigma):
        """Complex interface: x complex [N, M], sigma float [N] or float -> complex128 [N, M]."""
        x = np.asarray(x)
        s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (x.shape[0],))
        return complex_form(self.forward_real(real_form(x), s))


def build_onnx(weights, meta):
    """The ONNX ModelProto of a MIMO model (inputs x float32 [N, 2M], sigma float32 [N]; output D float32
    [N, 2M]); checked with onnx.checker. weights: dict name -> array; meta: dict str -> str."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    depth, skip = int(meta["ddpm.depth"]), meta["ddpm.mimo.skip"]
    m2 = int(np.asarray(weights["in.weight"]).shape[1])
    shapes = initializer_shapes(m2, meta["ddpm.hidden"], depth, meta["ddpm.mimo.freqs"], skip)
    inits = []
    for name, shape in shapes:
        a = np.asarray(weights[name])
        a = np.ascontiguousarray(a, dtype=np.float64 if name.startswith("cov.") else np.float32)
        if a.shape != tuple(shape):
            raise ValueError(f"export: weight '{name}' has shape {a.shape}, expected {shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"export: non-finite value in weight '{name}'")
        inits.append(numpy_helper.from_array(a, name=name))
    inits += [numpy_helper.from_array(np.array([1], dtype=np.int64), name="const.axis1"),
              numpy_helper.from_array(np.array(1.0, dtype=np.float32), name="const.one")]
    N = helper.make_node
    nodes = [N("Unsqueeze", ["sigma", "const.axis1"], ["s"]), N("Mul", ["s", "s"], ["s2"]),
             N("Add", ["s2", "const.one"], ["s2p1"]), N("Sqrt", ["s2p1"], ["rt"]),
             N("Reciprocal", ["rt"], ["c_in"]), N("Mul", ["s", "c_in"], ["c_out"]),
             N("Log", ["s"], ["logs"]), N("Mul", ["logs", "emb.freq"], ["arg"]),
             N("Sin", ["arg"], ["sin"]), N("Cos", ["arg"], ["cos"]), N("Concat", ["sin", "cos"], ["e"], axis=1),
             N("Mul", ["x", "c_in"], ["xin"]),
             N("Gemm", ["xin", "in.weight", "in.bias"], ["h_in"], transB=1),
             N("Gemm", ["e", "emb_in.weight", "emb_in.bias"], ["e_in"], transB=1),
             N("Add", ["h_in", "e_in"], ["h0"])]
    h = "h0"
    for l in range(depth):
        p = f"blocks.{l}."
        q = f"b{l}_"
        nodes += [N("Gemm", [h, p + "fc1.weight", p + "fc1.bias"], [q + "a1"], transB=1),
                  N("Gemm", ["e", p + "emb.weight", p + "emb.bias"], [q + "ae"], transB=1),
                  N("Add", [q + "a1", q + "ae"], [q + "a"]), N("Sigmoid", [q + "a"], [q + "sg"]),
                  N("Mul", [q + "a", q + "sg"], [q + "silu"]),
                  N("Gemm", [q + "silu", p + "fc2.weight", p + "fc2.bias"], [q + "r"], transB=1),
                  N("Add", [h, q + "r"], [q + "h"])]
        h = q + "h"
    nodes += [N("Sigmoid", [h], ["hs"]), N("Mul", [h, "hs"], ["hsilu"]),
              N("Gemm", ["hsilu", "out.weight", "out.bias"], ["net"], transB=1),
              N("Mul", ["net", "c_out"], ["scaled"])]
    if skip == "wiener":
        nodes += [N("MatMul", ["x", "wiener.basis"], ["z"]), N("Add", ["wiener.eig", "s2"], ["den"]),
                  N("Div", ["wiener.eig", "den"], ["ratio"]), N("Mul", ["z", "ratio"], ["zr"]),
                  N("Transpose", ["wiener.basis"], ["QT"], perm=[1, 0]), N("MatMul", ["zr", "QT"], ["skip"])]
        nodes.append(N("Add", ["skip", "scaled"], ["D"]))
    else:
        nodes.append(N("Add", ["x", "scaled"], ["D"]))
    graph = helper.make_graph(
        nodes, "ddpm_mimo_denoiser",
        inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", m2]),
                helper.make_tensor_value_info("sigma", TensorProto.FLOAT, ["N"])],
        outputs=[helper.make_tensor_value_info("D", TensorProto.FLOAT, ["N", m2])],
        initializer=inits, doc_string="gr-ddpm MIMO channel denoiser D(x, sigma); see docs/model-format.md")
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="gr-ddpm")
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {str(k): str(v) for k, v in meta.items()})
    onnx.checker.check_model(model)
    return model


def save_model(path, weights, meta):
    """Write the model file atomically (directories created). Returns path."""
    from gnuradio.ddpm.modelfile.writer import write_atomic
    return write_atomic(path, build_onnx(weights, meta))


def load_model(path):
    """Read and check a MIMO model file (numpy + the onnx protobuf classes; no torch, no ONNX Runtime).

    Returns MimoModel. Raises MimoModelError naming the file and the problem: cannot open / not a regular file,
    larger than 256 MiB, not an ONNX model, missing or bad metadata, unsupported architecture, duplicate or
    missing initializer, wrong shape, external data, non-finite value.
    """
    import onnx
    from onnx import numpy_helper

    p = os.fspath(path)
    where = f"MIMO model '{p}'"
    try:
        st = os.stat(p)
    except OSError as e:
        raise MimoModelError(f"{where}: cannot open ({e.strerror})") from None
    import stat as _stat
    if not _stat.S_ISREG(st.st_mode):
        raise MimoModelError(f"{where}: cannot open (not a regular file)")
    if st.st_size > MAX_FILE_BYTES:
        raise MimoModelError(f"{where}: larger than {MAX_FILE_BYTES} bytes")
    with open(p, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    try:
        proto = onnx.ModelProto()
        proto.ParseFromString(data)
    except Exception as e:  # the protobuf parser raises its own DecodeError
        raise MimoModelError(f"{where}: not an ONNX model ({e})") from None
    if not data or not proto.graph.node:
        raise MimoModelError(f"{where}: not an ONNX model (empty graph)")
    meta = {}
    for kv in proto.metadata_props:
        if kv.key in meta:
            raise MimoModelError(f"{where}: duplicate metadata key '{kv.key}'")
        meta[kv.key] = kv.value
    for k in REQUIRED:
        if k not in meta:
            raise MimoModelError(f"{where}: missing metadata '{k}'")
    if meta["ddpm.format_version"] != "1":
        raise MimoModelError(f"{where}: unsupported format version {meta['ddpm.format_version']!r}")
    if meta["ddpm.arch"] != ARCH:
        raise MimoModelError(f"{where}: unsupported architecture {meta['ddpm.arch']!r} (expected {ARCH})")
    if meta["ddpm.mimo.skip"] not in ("wiener", "identity") or meta["ddpm.mimo.role"] not in ("denoiser",
                                                                                              "supervised"):
        raise MimoModelError(f"{where}: bad metadata 'ddpm.mimo.skip' / 'ddpm.mimo.role'")
    try:
        hidden, depth, freqs = (int(meta[k]) for k in ("ddpm.hidden", "ddpm.depth", "ddpm.mimo.freqs"))
        arrays = ArrayConfig(Array.parse(meta["ddpm.mimo.bs"]), Array.parse(meta["ddpm.mimo.ue"]))
        json.loads(meta.get("ddpm.mimo.sampler", "{}"))
    except ValueError as e:
        raise MimoModelError(f"{where}: bad metadata ({e})") from None
    if not (1 <= hidden <= 4096 and 1 <= depth <= 64 and 1 <= freqs <= 64):
        raise MimoModelError(f"{where}: bad metadata 'ddpm.hidden'/'ddpm.depth'/'ddpm.mimo.freqs' out of range")
    inits = {}
    for t in proto.graph.initializer:
        if t.name in inits:
            raise MimoModelError(f"{where}: duplicate initializer '{t.name}'")
        if t.data_location == onnx.TensorProto.EXTERNAL:
            raise MimoModelError(f"{where}: bad initializer '{t.name}': external data is not supported")
        inits[t.name] = t
    weights = {}
    for name, shape in initializer_shapes(2 * arrays.dim, hidden, depth, freqs, meta["ddpm.mimo.skip"]):
        if name not in inits:
            raise MimoModelError(f"{where}: missing initializer '{name}'")
        try:
            a = numpy_helper.to_array(inits[name])
        except Exception as e:
            raise MimoModelError(f"{where}: bad initializer '{name}' ({e})") from None
        if a.shape != tuple(shape):
            raise MimoModelError(f"{where}: bad initializer '{name}': shape {a.shape}, expected {tuple(shape)}")
        if not np.all(np.isfinite(a)):
            raise MimoModelError(f"{where}: non-finite value in initializer '{name}'")
        weights[name] = a.astype(np.float64 if name.startswith("cov.") else np.float32)
    if meta["ddpm.mimo.skip"] == "wiener" and np.min(weights["wiener.eig"]) < 0:
        raise MimoModelError(f"{where}: bad initializer 'wiener.eig': negative eigenvalue")
    if not math.isfinite(float(np.sum(weights["cov.real"]))):
        raise MimoModelError(f"{where}: non-finite covariance")
    return MimoModel(weights, meta, path=p)
