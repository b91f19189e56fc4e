"""MIMO denoiser training (torch): the exported file computes what the torch network computes (numpy reader and
ONNX Runtime), a short run writes a loadable model with a validation-chosen sampler table, and the CLI hook
refuses bad options."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gnuradio.ddpm.mimo import channels as chan  # noqa: E402
from gnuradio.ddpm.mimo import estimators as est  # noqa: E402
from gnuradio.ddpm.mimo.model import load_model, wiener_basis  # noqa: E402
from gnuradio.ddpm.training import mimo as tm  # noqa: E402


@pytest.mark.parametrize("skip", ["wiener", "identity"])
def test_onnx_and_numpy_match_torch(tmp_path, skip):
    ort = pytest.importorskip("onnxruntime")
    cfg = tm.MimoTrainConfig(hidden=32, depth=2, freqs=4, pool=300)
    H, cov = tm.make_pool(cfg)
    Q, lam = wiener_basis(cov)
    torch.manual_seed(0)
    net = tm.MimoNet(2 * cov.shape[0], 32, 2, 4, skip, Q, lam)
    with torch.no_grad():                      # non-zero residual branches, so the network part is tested
        for p in net.parameters():
            p.add_(0.05 * torch.randn(p.shape))
    path = str(tmp_path / "m.onnx")
    tm.export(path, net, cov, cfg, "denoiser" if skip == "wiener" else "supervised", skip, {})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 2 * cov.shape[0])).astype(np.float32)
    s = np.exp(rng.uniform(-5, 1.5, 7)).astype(np.float32)
    with torch.no_grad():
        ref = net(torch.from_numpy(x), torch.from_numpy(s)).numpy()
    scale = max(1.0, float(np.abs(ref).max()))
    got_np = load_model(path).forward_real(x, s)
    got_ort = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(["D"], {"x": x, "sigma": s})[0]
    assert np.max(np.abs(got_np - ref)) < 1e-4 * scale
    assert np.max(np.abs(got_ort - ref)) < 1e-4 * scale
    assert np.max(np.abs(ref - net.skip_term(torch.from_numpy(x), torch.from_numpy(s * s)[:, None]).numpy())) > 1e-3


def test_short_run_via_ddpm_train(tmp_path):
    from gnuradio.ddpm.training.train import main
    out, sup = str(tmp_path / "d.onnx"), str(tmp_path / "s.onnx")
    rc = main(["--dataset", "mimo", "--steps", "30", "--sup-steps", "20", "--pool", "600", "--hidden", "16",
               "--depth", "1", "--val-channels", "8", "--batch", "32", "--out", out, "--supervised-out", sup, "-q"])
    assert rc == 0
    m = load_model(out)
    table = m.sampler
    assert table["snr_db"] == [-10.0, 0.0, 10.0, 20.0, 30.0] and len(table["steps"]) == 5
    assert all(s in (1, 4, 10, 20) for s in table["steps"])
    # the chosen setting is the validation minimum: never above the validation LMMSE by much for a near-Wiener net
    assert all(v <= l + 0.5 for v, l in zip(table["val_nmse_db"], table["val_lmmse_db"]))
    assert json.loads(m.meta["ddpm.dataset_params"])["scene"] == "street"
    assert load_model(sup).role == "supervised"
    # training covariance inside the file is the pool's sample covariance
    np.testing.assert_allclose(m.cov, est.covariance(chan.split_channels("street", "train", 600, 1)), atol=1e-6)


def test_bad_options(capsys):
    from gnuradio.ddpm.training.train import main
    assert main(["--dataset", "mimo", "--bs", "4by8", "--out", "/tmp/x.onnx"]) == 2
    assert "ROWSxCOLS" in capsys.readouterr().err
    assert main(["--dataset", "mimo", "--scene", "moon", "--out", "/tmp/x.onnx"]) == 2
