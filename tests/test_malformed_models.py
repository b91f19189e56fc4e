#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Table-driven test of malformed model files against every reader and every block that opens a model.

Each bad file must raise a ValueError whose message names the file and contains the phrase documented in
docs/model-format.md ("Errors"), from:
  - the C++ reader through Python: ddpm.model.load(path), ddpm.model.from_bytes(data, name), ddpm.ddpm_sampler(path);
  - the Python reader gnuradio.ddpm.modelfile.load_model(path);
  - flowgraph construction: ddpm.denoiser_cc(model=path) and ddpm.shaper(model=path), inside a top_block that
    still runs a good flowgraph afterwards.
The malformed variants come from the kernel engineer's generator (tests/fixtures/ddpm_fixtures.py,
malformed_variants); this file adds truncation at many offsets, opset, T/schedule, schedule values, constellation,
power scale, nesting, external data, huge declared sizes and duplicate keys.
"""
import os

import numpy as np
import onnx
import pytest
from gnuradio import blocks, ddpm, gr
from gnuradio.ddpm.modelfile import reader as modelfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import ddpm_fixtures as F  # tests/fixtures, on sys.path via the root conftest.py

H, D, T = 8, 2, 10
PARSE = ("not an ONNX model", "missing metadata")     # a truncation at a field boundary still parses


def _extra_variants():
    """List of (name, bytes, accepted message phrases)."""
    good, w = F.valid_model(H, D, T, seed=3)
    data = good.SerializeToString()
    meta = F.metadata(H, D, F.sigmoid_betas(T))
    out = []
    # truncated at 40 offsets spread over the file, and in the first and last 8 bytes
    offs = sorted(set(np.linspace(1, len(data) - 1, 40).astype(int)) | set(range(1, 9))
                  | set(range(len(data) - 8, len(data))))
    for o in offs:
        out.append((f"trunc_{o}", data[:o], PARSE))
    out.append(("one_zero_byte", b"\0", ("not an ONNX model",)))
    out.append(("text_utf8", "ΔΔPM model ✓".encode() * 40, PARSE))

    def variant(name, expect, change=None, drop=(), wchange=None):
        m = dict(meta)
        m.update(change or {})
        for k in drop:
            m.pop(k)
        ww = dict(w)
        if wchange:
            wchange(ww)
        out.append((name, F.build(ww, m, check=False).SerializeToString(), expect))

    variant("opset_text", ("bad metadata 'ddpm.opset'",), {"ddpm.opset": "seventeen"})
    variant("opset_zero", ("bad metadata 'ddpm.opset'",), {"ddpm.opset": "0"})
    variant("missing_opset", ("missing metadata 'ddpm.opset'",), drop=("ddpm.opset",))
    variant("format_version_0", ("unsupported format version",), {"ddpm.format_version": "0"})
    variant("train_seed_text", ("bad metadata 'ddpm.train_seed'",), {"ddpm.train_seed": "forty-two"})
    variant("T_more_than_betas", ("bad metadata 'ddpm.betas'",), {"ddpm.T": str(T + 1)})
    variant("T_huge", ("bad metadata 'ddpm.T'", "bad metadata 'ddpm.betas'"), {"ddpm.T": "1" + "0" * 40})
    variant("betas_nan", ("bad metadata 'ddpm.betas'",),
            {"ddpm.betas": "[NaN, " + ", ".join(repr(float(b)) for b in F.sigmoid_betas(T)[1:]) + "]"})
    variant("betas_one", ("bad metadata 'ddpm.betas'",), {"ddpm.betas": F.float_json(np.r_[F.sigmoid_betas(T)[:-1],
                                                                                            1.0])})
    variant("betas_zero", ("bad metadata 'ddpm.betas'",), {"ddpm.betas": F.float_json(np.r_[0.0,
                                                                                             F.sigmoid_betas(T)[1:]])})
    variant("betas_object", ("bad metadata 'ddpm.betas'",), {"ddpm.betas": '{"a": 1}'})
    variant("betas_nested_deep", ("bad metadata 'ddpm.betas'",), {"ddpm.betas": "[" * 100000})
    variant("constellation_nested_deep", ("bad metadata 'ddpm.constellation'",),
            {"ddpm.constellation": "[" * 100000})
    variant("constellation_text", ("bad metadata 'ddpm.constellation'",), {"ddpm.constellation": "qam16"})
    variant("bits_mismatch", ("bad metadata 'ddpm.bits_per_symbol'",), {"ddpm.bits_per_symbol": "3"})
    variant("bits_missing", ("missing metadata 'ddpm.bits_per_symbol'",), drop=("ddpm.bits_per_symbol",))
    variant("power_scale_zero", ("bad metadata 'ddpm.power_scale'",), {"ddpm.power_scale": "0"})
    variant("power_scale_nan", ("bad metadata 'ddpm.power_scale'",), {"ddpm.power_scale": "nan"})
    variant("power_scale_neg", ("bad metadata 'ddpm.power_scale'",), {"ddpm.power_scale": "-1.0"})
    variant("hidden_huge", ("bad metadata 'ddpm.hidden'", "bad initializer 'layers.0.weight'"),
            {"ddpm.hidden": "65536"})
    variant("depth_huge", ("bad metadata 'ddpm.depth'", "missing initializer 'layers.2.weight'"),
            {"ddpm.depth": "1000000000"})

    def shape_3d(ww):
        ww["out.bias"] = ww["out.bias"].reshape(1, 1, 2)
    variant("out_bias_3d", ("bad initializer 'out.bias'",), wchange=shape_3d)

    # external data: the tensor points at a file instead of holding its bytes
    m = onnx.ModelProto()
    m.CopyFrom(good)
    for init in m.graph.initializer:
        if init.name == "layers.0.bias":
            init.ClearField("raw_data")
            init.data_location = onnx.TensorProto.EXTERNAL
            e = init.external_data.add()
            e.key, e.value = "location", "/etc/passwd"
    out.append(("external_data", m.SerializeToString(), ("bad initializer 'layers.0.bias'",)))
    # a huge declared size on every dimension of every initializer, with the data unchanged
    m = onnx.ModelProto()
    m.CopyFrom(good)
    for init in m.graph.initializer:
        for i in range(len(init.dims)):
            init.dims[i] = (1 << 62) + i
    out.append(("huge_dims_all", m.SerializeToString(), ("bad initializer 'layers.0.weight'",)))
    # no graph / no IR version
    m = onnx.ModelProto()
    m.CopyFrom(good)
    m.ClearField("graph")
    out.append(("no_graph", m.SerializeToString(), ("not an ONNX model",)))
    m = onnx.ModelProto()
    m.CopyFrom(good)
    m.ir_version = 0
    out.append(("ir_version_0", m.SerializeToString(), ("not an ONNX model",)))
    # a duplicated key: the C++ reader (the one reader) rejects any duplicate key; the older Python reader
    # took the first occurrence (here the bad one)
    m = onnx.ModelProto()
    m.CopyFrom(good)
    m.metadata_props.insert(0, onnx.StringStringEntryProto(key="ddpm.T", value="-5"))
    out.append(("duplicate_key_first_bad", m.SerializeToString(), "duplicate metadata key 'ddpm.T'"))
    return out


CASES = [(n, d, e if isinstance(e, tuple) else (e,)) for n, d, e in F.malformed_variants(H, D, T)] + _extra_variants()


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("malformed")
    paths = {}
    for name, data, _ in CASES:
        p = d / f"{name}.onnx"
        p.write_bytes(data)
        paths[name] = str(p)
    return paths


def _readers(path, data):
    """(label, callable) for every way of opening a model file."""
    return [
        ("model.load", lambda: ddpm.model.load(path)),
        ("model.from_bytes", lambda: ddpm.model.from_bytes(data, name=path)),
        ("ddpm_sampler", lambda: ddpm.ddpm_sampler(path)),
        ("modelfile.load_model", lambda: modelfile.load_model(path)),
        ("denoiser_cc", lambda: ddpm.denoiser_cc(path, 2, 1, 0.0, 1024, 1, 0, 20.0, 1, 0)),
        ("shaper", lambda: ddpm.shaper(model=path, snr_db=10.0, n=64, points_per_symbol=4)),
    ]


def test_table_is_complete():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)) and len(names) >= 100
    for kind in ("empty", "trunc_1", "text", "format_version_2", "wrong_shape", "betas_short", "nan_weight",
                 "inf_embedding", "huge_dims", "huge_dims_all", "opset_text", "T_more_than_betas"):
        assert kind in names


@pytest.mark.parametrize("name,data,expect", CASES, ids=[c[0] for c in CASES])
def test_malformed_file_gives_the_documented_error(bad_files, name, data, expect):
    path = bad_files[name]
    for label, call in _readers(path, data):
        with pytest.raises(ValueError) as e:
            call()
        msg = str(e.value)
        assert any(x in msg for x in expect), f"{label}: {name}: '{msg[:300]}' lacks {expect}"
        assert path in msg, f"{label}: message does not name the file: {msg[:300]}"


def test_missing_file_and_directory(tmp_path):
    for p in (str(tmp_path / "missing.onnx"), str(tmp_path)):
        for label, call in _readers(p, None)[::]:
            if label == "model.from_bytes":
                continue
            with pytest.raises(ValueError) as e:
                call()
            assert "cannot open" in str(e.value) or "not found" in str(e.value), f"{label}: {e.value}"


def test_too_large_file_is_refused_by_every_reader(tmp_path):
    p = tmp_path / "huge.onnx"
    with open(p, "wb") as f:
        f.truncate((256 << 20) + 1)  # sparse: no disk space, never read
    for label, call in _readers(str(p), None):
        if label == "model.from_bytes":
            continue
        with pytest.raises(ValueError) as e:
            call()
        assert "too large" in str(e.value) or "not an ONNX model" in str(e.value), f"{label}: {e.value}"


def test_flowgraph_still_runs_after_failed_constructions(bad_files):
    """A failed block construction leaves nothing behind: a good flowgraph in the same top_block runs."""
    tb = gr.top_block()
    for name in ("empty", "nan_weight", "trunc_1"):
        with pytest.raises(ValueError):
            ddpm.denoiser_cc(bad_files[name], 2, 1, 0.0, 256, 1, 0, 20.0, 1, 0)
    x = (np.random.default_rng(0).normal(size=2048) * 0.7).astype(np.complex64)
    src = blocks.vector_source_c(x.tolist())
    den = ddpm.denoiser_cc(os.path.join(ROOT, "tests", "fixtures", "tiny_h8_d2_t10.onnx"), 2, 1, 0.0, 256, 1, 0,
                           20.0, 1, 0)
    snk = blocks.vector_sink_c()
    tb.connect(src, den, snk)
    tb.run()
    y = np.array(snk.data())
    assert y.size == x.size and np.all(np.isfinite(y))
