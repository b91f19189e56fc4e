"""ONNX export: the torch network and the exported graph agree, the schedule reads back bit for bit, and
the metadata is the one of docs/model-format.md."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gnuradio.ddpm.modelfile import schedule  # noqa: E402
from gnuradio.ddpm.modelfile import writer as export
from gnuradio.ddpm.modelfile.reader import load_model  # noqa: E402
from gnuradio.ddpm.training.network import EpsNet  # noqa: E402
from gnuradio.ddpm.modelfile.reference import EpsOnnx, eps_numpy  # noqa: E402


def _random_net(T=100, hidden=128, depth=3, seed=0):
    """A network with random (not initial) weights, so every step's embedding differs."""
    torch.manual_seed(seed)
    net = EpsNet(T, hidden, depth)
    with torch.no_grad():
        for e in net.embeddings:
            e.weight.uniform_(-2.0, 2.0)
        for lin in net.layers:
            lin.bias.normal_(0.0, 1.0)
    return net.eval()


def _export(net, path, betas, sched_name="sigmoid"):
    return export.export_onnx(str(path), net.export_weights(), betas, schedule=sched_name, dataset="qam16",
                              dataset_params={"order": 16}, train_seed=7, train_steps=0, final_loss=1.5)


def test_torch_vs_onnx_every_step(tmp_path):
    """max |eps_torch - eps_onnx| <= 1e-5 for every t (float32 rounding of 3 layers of 128 is ~1e-6)."""
    net = _random_net()
    p = tmp_path / "m.onnx"
    _export(net, p, schedule.make_betas("sigmoid", 100))
    rng = np.random.default_rng(1)
    n_per = 64
    t = np.repeat(np.arange(100), n_per).astype(np.int64)
    x = (rng.standard_normal((t.size, 2)) * 2.0).astype(np.float32)
    x[:5] = [[30.0, -30.0], [0, 0], [-25.0, 1e-3], [1e-6, 5.0], [-40.0, -40.0]]   # saturated softplus
    with torch.no_grad():
        ref = net(torch.from_numpy(x), torch.from_numpy(t)).numpy()
    out = EpsOnnx(p)(x, t)
    assert out.shape == (t.size, 2) and out.dtype == np.float32
    assert np.abs(ref).max() > 1.0                # not a trivially small output
    assert np.abs(out - ref).max() <= 1e-5
    # the float64 numpy evaluation of the stored weights agrees too
    m = load_model(p)
    assert np.abs(eps_numpy(m, x, t) - ref).max() <= 1e-5
    # and different steps give different outputs (the step embedding is wired in)
    o0 = EpsOnnx(p)(x[:n_per], np.zeros(n_per, np.int64))
    o1 = EpsOnnx(p)(x[:n_per], np.full(n_per, 99, np.int64))
    assert np.abs(o0 - o1).max() > 1e-2


@pytest.mark.parametrize("depth,hidden", [(1, 16), (4, 32)])
def test_other_sizes(tmp_path, depth, hidden):
    net = _random_net(T=20, hidden=hidden, depth=depth, seed=depth)
    p = tmp_path / "s.onnx"
    _export(net, p, schedule.make_betas("linear", 20), "linear")
    m = load_model(p)
    assert (m.T, m.hidden, m.depth) == (20, hidden, depth)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 2)).astype(np.float32)
    t = rng.integers(0, 20, 200)
    with torch.no_grad():
        ref = net(torch.from_numpy(x), torch.from_numpy(t)).numpy()
    assert np.abs(EpsOnnx(p)(x, t) - ref).max() <= 1e-5


@pytest.mark.parametrize("name,T", [("sigmoid", 100), ("linear", 100), ("cosine", 100), ("sigmoid", 37)])
def test_schedule_reads_back_bitwise(tmp_path, name, T):
    betas = schedule.make_betas(name, T)
    p = tmp_path / f"{name}{T}.onnx"
    _export(_random_net(T=T, hidden=8, depth=1), p, betas, name)
    m = load_model(p)
    assert m.betas.dtype == np.float64
    assert np.array_equal(m.betas.view(np.uint64), betas.view(np.uint64))
    assert np.array_equal(m.alpha_bar.view(np.uint64), schedule.alpha_bar(betas).view(np.uint64))
    assert m.metadata["ddpm.schedule"] == name


def test_paper_schedule_values():
    """The sigmoid schedule is the papers' formula (anchors of /work/shared/notes/algorithms.md:
    alpha_bar[25] ~ 0.9956, [50] ~ 0.939, [75] ~ 0.767, last ~ 0.605), increasing, within (1e-5, 1e-2)."""
    b = schedule.make_betas("sigmoid", 100)
    s = np.linspace(-6, 6, 100)
    np.testing.assert_allclose(b, 1 / (1 + np.exp(-s)) * (1e-2 - 1e-5) + 1e-5, rtol=1e-15)
    ab = schedule.alpha_bar(b)
    np.testing.assert_allclose(ab[[25, 50, 75, 99]], [0.9956, 0.939, 0.767, 0.605], atol=1e-3)
    assert np.all(np.diff(b) > 0) and b[0] > 1e-5 and b[-1] < 1e-2
    for name in schedule.SCHEDULES:
        bb = schedule.make_betas(name, 50)
        assert bb.shape == (50,) and np.all((bb > 0) & (bb < 1))
    with pytest.raises(ValueError):
        schedule.make_betas("quadratic", 10)
    with pytest.raises(ValueError):
        schedule.make_betas("sigmoid", 0)


def test_q_sample_roundtrip():
    """x0_from_eps inverts q_sample (the one parameterisation shared by training and sampling)."""
    rng = np.random.default_rng(3)
    x0, e = rng.standard_normal((100, 2)), rng.standard_normal((100, 2))
    a = rng.uniform(0.05, 0.99, (100, 1))
    xt = schedule.q_sample(x0, e, a)
    np.testing.assert_allclose(schedule.x0_from_eps(xt, e, a), x0, atol=1e-12)
    np.testing.assert_allclose(schedule.eps_from_x0(xt, x0, a), e, atol=1e-10)
    xt_t = schedule.q_sample(torch.from_numpy(x0), torch.from_numpy(e), torch.from_numpy(a)).numpy()
    np.testing.assert_allclose(xt_t, xt, atol=1e-12)


def test_metadata_and_graph(tmp_path):
    import onnx
    net = _random_net(hidden=16, depth=2)
    p = tmp_path / "meta.onnx"
    _export(net, p, schedule.make_betas("sigmoid", 100))
    m = onnx.load(str(p))
    props = {q.key: q.value for q in m.metadata_props}
    for k in ("format_version", "arch", "hidden", "depth", "T", "betas", "schedule", "prediction", "dataset",
              "power_scale", "opset", "train_seed", "commit", "created_by", "dataset_params", "final_loss"):
        assert "ddpm." + k in props, k
    assert props["ddpm.format_version"] == "1" and props["ddpm.arch"] == "mlp_stepemb_softplus"
    assert props["ddpm.prediction"] == "eps" and props["ddpm.opset"] == "17"
    assert json.loads(props["ddpm.dataset_params"]) == {"order": 16}
    assert props["ddpm.commit"] == "unknown" or len(props["ddpm.commit"]) == 40
    assert [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] == [17]
    assert [i.name for i in m.graph.input] == ["x", "t"] and [o.name for o in m.graph.output] == ["eps"]
    assert m.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert m.graph.input[1].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    ops = {n.op_type for n in m.graph.node}
    assert "Softplus" not in ops and {"Relu", "Log", "Sigmoid", "Abs", "Gather", "Gemm"} <= ops
    names = {i.name for i in m.graph.initializer}
    assert {"layers.0.weight", "layers.1.bias", "embeddings.1", "out.weight", "out.bias"} <= names
    # dynamic N: one row and 3000 rows both run
    s = EpsOnnx(p)
    assert s(np.zeros((1, 2)), np.zeros(1)).shape == (1, 2)
    assert s(np.zeros((3000, 2)), np.zeros(3000)).shape == (3000, 2)


def test_export_rejects_bad_weights(tmp_path):
    w = _random_net(T=10, hidden=4, depth=1).export_weights()
    bad = dict(w)
    bad["out.bias"] = np.array([np.nan, 0], np.float32)
    with pytest.raises(ValueError, match="non-finite"):
        export.export_onnx(str(tmp_path / "x.onnx"), bad, schedule.make_betas("sigmoid", 10), schedule="sigmoid",
                           dataset="qam16")
    bad = dict(w)
    del bad["embeddings.0"]
    with pytest.raises(ValueError, match="embeddings.0"):
        export.export_onnx(str(tmp_path / "x.onnx"), bad, schedule.make_betas("sigmoid", 10), schedule="sigmoid",
                           dataset="qam16")
