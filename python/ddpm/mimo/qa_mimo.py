"""gnuradio.ddpm.mimo without torch: the generator's statistics, LS/LMMSE against closed forms, the Gaussian-prior
identity (Tweedie = Wiener, the chain returns LMMSE), OMP/Lasso on sparse channels, the model file (writer,
reader, numpy forward vs ONNX Runtime, bad files). Statistical tolerances come from the sample sizes (5 sigma)."""
import math

import numpy as np
import pytest

from gnuradio.ddpm.mimo import channels as chan
from gnuradio.ddpm.mimo import estimators as est
from gnuradio.ddpm.mimo.model import (MimoModel, MimoModelError, load_model, real_form, save_model, wiener_basis,
                                      initializer_shapes)
from gnuradio.ddpm.mimo.sampler import DiffusionEstimator

A = chan.DEFAULT_ARRAYS
N = 1500


@pytest.fixture(scope="module")
def gen():
    return {s: chan.generate(s, N, 11, return_info=True) for s in ("street", "blockage", "indoor", "mixed")}


@pytest.mark.parametrize("scene", ["street", "blockage", "indoor", "mixed"])
def test_unit_average_power(gen, scene):
    H, _ = gen[scene]
    per = np.mean(np.abs(H.reshape(N, -1)) ** 2, axis=1)       # per-channel mean entry power
    tol = 5 * per.std(ddof=1) / math.sqrt(N)
    assert abs(per.mean() - 1.0) < tol, (per.mean(), tol)


@pytest.mark.parametrize("scene", ["street", "blockage", "indoor"])
def test_los_fraction_and_k_factor(gen, scene):
    H, info = gen[scene]
    sc = chan.SCENES[scene]
    p = sc.p_los
    assert abs(info["los"].mean() - p) < 5 * math.sqrt(p * (1 - p) / N)
    los = info["los"]
    k = info["k"][los]
    assert np.all(info["k"][~los] == 0) and np.all(k > 0)
    kdb = 10 * np.log10(k)
    assert abs(kdb.mean() - sc.k_db[0]) < 5 * sc.k_db[1] / math.sqrt(k.size)
    M = A.dim
    # the LoS term carries exactly K/(K+1) of the unit average power, the clusters 1/(K+1) in expectation
    pl = np.sum(np.abs(info["h_los"][los].reshape(k.size, -1)) ** 2, axis=1)
    np.testing.assert_allclose(pl, M * k / (k + 1), rtol=1e-9)
    pn = np.sum(np.abs(info["h_nlos"].reshape(N, -1)) ** 2, axis=1) * (info["k"] + 1) / M
    assert abs(pn.mean() - 1.0) < 5 * pn.std(ddof=1) / math.sqrt(N)
    np.testing.assert_allclose(info["h_los"] + info["h_nlos"], H, atol=1e-12)


def test_seed_determinism_and_batch_independence():
    a = chan.generate("mixed", 40, 3)
    b = chan.generate("mixed", 40, 3)
    assert np.array_equal(a, b)
    c = np.concatenate([chan.generate("mixed", 13, 3), chan.generate("mixed", 27, 3, start=13)])
    assert np.array_equal(a, c)
    assert not np.allclose(chan.generate("mixed", 40, 4), a)
    s1 = chan.generate("street", 5, 3, rays=1)
    assert s1.shape == (5, A.nr, A.nt) and not np.allclose(s1, chan.generate("street", 5, 3))


def test_specular_rays_unit_power_and_splits_differ():
    H = chan.generate("indoor", 800, 5, rays=1)
    per = np.mean(np.abs(H.reshape(800, -1)) ** 2, axis=1)
    assert abs(per.mean() - 1) < 5 * per.std(ddof=1) / math.sqrt(800)
    tr = chan.split_channels("ood_blockage", "train", 3, 1)
    va = chan.split_channels("ood_blockage", "validation", 3, 1)
    te = chan.split_channels("ood_blockage", "test", 3, 1)
    assert not np.allclose(tr, va) and not np.allclose(tr, te)
    with pytest.raises(ValueError, match="part"):
        chan.split_channels("in_distribution", "oracle", 3, 1)
    with pytest.raises(ValueError, match="unknown scene"):
        chan.generate("desert", 3, 1)


def test_ls_floor():
    """Noise-free min-norm LS of an isotropic channel keeps Np/Nt of the energy: NMSE = 1 - Np/Nt."""
    rng = np.random.default_rng(1)
    n, npil = 400, 16
    H = (rng.standard_normal((n, A.nr, A.nt)) + 1j * rng.standard_normal((n, A.nr, A.nt))) / math.sqrt(2)
    P = est.pilot_matrix(A.nt, npil, 0)
    Hh = est.ls_estimate(est.observe(H, P, 80.0, rng), P)
    frac = np.sum(np.abs(Hh - H) ** 2, axis=(1, 2)) / np.sum(np.abs(H) ** 2, axis=(1, 2))
    tol = 5 * frac.std(ddof=1) / math.sqrt(n)
    f = 1 - npil / A.nt
    lin = 10 ** (est.nmse_db(Hh, H) / 10)
    assert abs(lin - f) < tol + 1e-4, (lin, f, tol)
    assert est.ls_floor_db(npil, A.nt) == pytest.approx(10 * math.log10(f))


@pytest.fixture(scope="module")
def street_cov():
    return est.covariance(chan.generate("street", 6000, 21))


def test_lmmse_closed_form(street_cov):
    R = street_cov
    P = est.pilot_matrix(A.nt, 16, 0)
    lm = est.LMMSE(R, P, A.nr)
    rng = np.random.default_rng(2)
    Y = rng.standard_normal((3, A.nr, 16)) + 1j * rng.standard_normal((3, A.nr, 16))
    Am = est.sensing_matrix(P, A.nr)
    s2 = est.noise_var(10.0)
    W = R @ Am.conj().T @ np.linalg.inv(Am @ R @ Am.conj().T + s2 * np.eye(Am.shape[0]))
    np.testing.assert_allclose(lm.estimate(Y, 10.0).reshape(3, -1), Y.reshape(3, -1) @ W.T, atol=1e-9)
    E = R - W @ Am @ R
    np.testing.assert_allclose(lm.error_var(10.0), np.real(np.diag(E)), atol=1e-9)
    # Monte Carlo with a Gaussian channel of covariance R: NMSE = tr(E)/tr(R)
    L = np.linalg.cholesky(R + 1e-9 * np.eye(R.shape[0]))
    n = 1500
    h = (rng.standard_normal((n, R.shape[0])) + 1j * rng.standard_normal((n, R.shape[0]))) / math.sqrt(2) @ L.T
    H = h.reshape(n, A.nr, A.nt)
    Hh = lm.estimate(est.observe(H, P, 10.0, rng), 10.0)
    e = np.sum(np.abs(Hh - H) ** 2, axis=(1, 2))
    r = np.sum(np.abs(H) ** 2, axis=(1, 2))
    want = np.real(np.trace(E)) / np.real(np.trace(R))
    got = e.sum() / r.sum()
    tol = 5 * e.std(ddof=1) / math.sqrt(n) / r.mean()
    assert abs(got - want) < tol, (got, want, tol)


def _wiener_model(R, hidden=8, depth=1, freqs=2, seed=0, zero=True):
    """A model file whose residual network is zero (zero=True: the Gaussian prior's exact denoiser) or random."""
    m2 = 2 * R.shape[0]
    rng = np.random.default_rng(seed)
    Q, lam = wiener_basis(R)
    w = {}
    for name, shape in initializer_shapes(m2, hidden, depth, freqs, "wiener"):
        w[name] = (0.05 * rng.standard_normal(shape)).astype(np.float32)
    w["emb.freq"] = np.array([0.5, 2.0], dtype=np.float32)[:freqs]
    if zero:
        w["out.weight"][:] = 0
        w["out.bias"][:] = 0
    w["wiener.basis"], w["wiener.eig"] = Q.astype(np.float32), lam.astype(np.float32)
    w["cov.real"], w["cov.imag"] = R.real.copy(), R.imag.copy()
    meta = {"ddpm.format_version": "1", "ddpm.arch": "mimo_resmlp_wiener", "ddpm.hidden": str(hidden),
            "ddpm.depth": str(depth), "ddpm.mimo.bs": str(A.bs), "ddpm.mimo.ue": str(A.ue),
            "ddpm.mimo.skip": "wiener", "ddpm.mimo.role": "denoiser", "ddpm.mimo.freqs": str(freqs)}
    return MimoModel(w, meta)


def test_gaussian_prior_tweedie_is_wiener_and_the_chain_returns_lmmse(street_cov):
    R = street_cov
    m = _wiener_model(R)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, R.shape[0])) + 1j * rng.standard_normal((4, R.shape[0]))
    for s in (0.05, 0.5, 2.0):
        # Tweedie: E[h|x] = x + s^2 grad log p_s(x), grad log N(0, R + s^2 I) = -(R + s^2 I)^-1 x
        tweedie = x - s * s * np.linalg.solve(R + s * s * np.eye(R.shape[0]), x.T).T
        np.testing.assert_allclose(m.denoise(x, s), tweedie, atol=2e-4 * np.abs(x).max())
    P = est.pilot_matrix(A.nt, 16, 0)
    de = DiffusionEstimator(m, P, chains=2)
    H = chan.generate("street", 3, 99)
    for snr in (0.0, 20.0):
        Y = est.observe(H, P, snr, rng)
        hl = de.lmmse.estimate(Y, snr)
        for scale, steps in ((1.0, 1), (1.0, 6), (3.0, 4)):
            h, v = de.estimate(Y, snr, start_scale=scale, steps=steps, noise=False)
            np.testing.assert_allclose(h, hl, atol=3e-4 * np.abs(hl).max())
            assert np.all(v >= 0) and v.shape == h.shape
        # with noise the chains scatter around it; their mean is unbiased (tolerance from the chain spread)
        h, v = de.estimate(Y, snr, chains=32, steps=4, seed=5)
        assert np.all(np.abs(h - hl) ** 2 < 25 * v / 32 + 1e-6)


def test_omp_and_lasso_recover_a_sparse_channel():
    P = est.pilot_matrix(A.nt, 16, 0)
    sp = est.SparseEstimator(A.ue, A.bs, P)
    x = np.zeros(sp.Phi.shape[1], dtype=complex)
    x[[37, 300]] = [3.0, 2.0 - 1.0j]
    H = (sp.Psi @ x).reshape(1, A.nr, A.nt)
    Y = est.observe(H, P, 40.0, np.random.default_rng(4))
    assert est.nmse_db(sp.omp(Y, 40.0), H) < -25
    assert est.nmse_db(sp.lasso(Y, 40.0, iters=400), H) < -10
    assert est.nmse_db(est.ls_estimate(Y, P), H) > -6     # LS cannot: it is at its floor


def test_model_file_roundtrip_numpy_vs_onnxruntime(tmp_path, street_cov):
    ort = pytest.importorskip("onnxruntime")
    m = _wiener_model(street_cov, hidden=16, depth=2, zero=False)
    p = str(tmp_path / "m.onnx")
    save_model(p, m.weights, m.meta)
    back = load_model(p)
    assert back.role == "denoiser" and back.depth == 2 and np.allclose(back.cov, street_cov)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 2 * A.dim)).astype(np.float32)
    s = np.exp(rng.uniform(-4, 1, 6)).astype(np.float32)
    sess = ort.InferenceSession(p, providers=["CPUExecutionProvider"])
    ref = sess.run(["D"], {"x": x, "sigma": s})[0]
    got = back.forward_real(x, s)
    assert np.max(np.abs(got - ref)) < 1e-4 * max(1.0, np.abs(ref).max())
    assert np.max(np.abs(got - m.forward_real(x, s))) < 1e-5 * max(1.0, np.abs(ref).max())


def test_bad_model_files(tmp_path, street_cov):
    import onnx
    m = _wiener_model(street_cov)
    p = str(tmp_path / "m.onnx")
    save_model(p, m.weights, m.meta)
    data = open(p, "rb").read()
    (tmp_path / "trunc.onnx").write_bytes(data[: len(data) // 3])
    with pytest.raises(MimoModelError, match="not an ONNX model|missing"):
        load_model(str(tmp_path / "trunc.onnx"))
    with pytest.raises(MimoModelError, match="cannot open"):
        load_model(str(tmp_path / "nope.onnx"))
    with pytest.raises(MimoModelError, match="cannot open"):
        load_model(str(tmp_path))
    proto = onnx.load(p)
    for kv in proto.metadata_props:
        if kv.key == "ddpm.arch":
            kv.value = "mlp_stepemb_softplus"
    onnx.save(proto, str(tmp_path / "arch.onnx"))
    with pytest.raises(MimoModelError, match="unsupported architecture"):
        load_model(str(tmp_path / "arch.onnx"))
    proto = onnx.load(p)
    for t in proto.graph.initializer:
        if t.name == "out.bias":
            a = onnx.numpy_helper.to_array(t).copy()
            a[0] = np.nan
            t.CopyFrom(onnx.numpy_helper.from_array(a, "out.bias"))
    onnx.save(proto, str(tmp_path / "nan.onnx"))
    with pytest.raises(MimoModelError, match="non-finite value in initializer 'out.bias'"):
        load_model(str(tmp_path / "nan.onnx"))
    proto = onnx.load(p)
    del proto.graph.initializer[1]
    onnx.save(proto, str(tmp_path / "missing.onnx"))
    with pytest.raises(MimoModelError, match="missing initializer"):
        load_model(str(tmp_path / "missing.onnx"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="snr_db"):
        est.noise_var(float("nan"))
    with pytest.raises(ValueError, match="ROWSxCOLS"):
        chan.Array.parse("4by8")
    with pytest.raises(ValueError, match="rays"):
        chan.generate("street", 2, 0, rays=0)
    m = _wiener_model(est.covariance(chan.generate("street", 500, 1)))
    with pytest.raises(ValueError, match="pilots"):
        DiffusionEstimator(m, np.ones((5, 4)))
    de = DiffusionEstimator(m, est.pilot_matrix(A.nt, 16, 0))
    with pytest.raises(ValueError, match="received pilots"):
        de.estimate(np.zeros((A.nr, 15)), 10.0)
    with pytest.raises(ValueError, match="steps"):
        de.estimate(np.zeros((A.nr, 16)), 10.0, steps=0)
