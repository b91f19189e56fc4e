"""Write the seed corpus of the model-reader fuzzer (fuzz/fuzz_model_loader.cc).

Seeds: the shipped models (models/*.onnx), the committed tiny fixtures (tests/fixtures/*.onnx), every malformed
variant of tests/fixtures/ddpm_fixtures.py (the kernel engineer's generator, reused), and small valid models
at the edges of the format (H = D = T = 1, no constellation, float_data, 2-point constellation), and one small
file per model-file defect of the reliability issue (defect_seeds).

Usage: .venv/bin/python fuzz/seed_corpus.py OUT_DIR [--small]
  --small: leave out the shipped models (~300 kB each), for the short run in the test suite.
Prints the number of seeds written.
"""
import argparse
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fixtures():
    """The module tests/fixtures/ddpm_fixtures.py."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import ddpm_fixtures
    return ddpm_fixtures


def seeds(small=False):
    """List of (name, bytes)."""
    F = fixtures()
    out = []
    dirs = [os.path.join(ROOT, "tests", "fixtures")] + ([] if small else [os.path.join(ROOT, "models")])
    for d in dirs:
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if f.endswith(".onnx"):
                    with open(os.path.join(d, f), "rb") as fh:
                        out.append((f, fh.read()))
    for name, data, _ in F.malformed_variants(H=4, D=2, T=5):
        out.append(("bad_" + name, data))
    for (H, D, T, raw) in ((1, 1, 1, True), (3, 1, 2, False), (5, 3, 4, True)):
        betas = F.sigmoid_betas(T)
        w = F.random_weights(H, D, T, seed=H)
        out.append((f"edge_h{H}_d{D}_t{T}", F.build(w, F.metadata(H, D, betas, constellation=False),
                                                    raw=raw, check=False).SerializeToString()))
    meta = F.metadata(2, 1, F.sigmoid_betas(3), dataset="qam4", constellation=False)
    meta["ddpm.constellation"] = "[[-1.0, 0.0], [1.0, 0.0]]"
    meta["ddpm.bits_per_symbol"] = "1"
    out.append(("edge_bpsk", F.build(F.random_weights(2, 1, 3), meta, check=False).SerializeToString()))
    out += defect_seeds(F)
    return out


def defect_seeds(F):
    """Small files of the defects of the reliability issue (docs/reliability.md, "Guarantees"): each is one
    mutation away from the boundary the stricter reader checks."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    H, D, T = 4, 1, 5
    good = F.sigmoid_betas(T)

    def make(name, change=None, betas=None, post=None):
        b = good if betas is None else np.asarray(betas, np.float64)
        meta = F.metadata(H, D, b)
        meta.update(change or {})
        m = F.build(F.random_weights(H, D, len(b), seed=1), meta, check=False)
        if post:
            post(m)
        return ("defect_" + name, m.SerializeToString())

    def dup_init(m):
        m.graph.initializer.append(numpy_helper.from_array(np.zeros(H, np.float32), "layers.0.bias"))

    def dup_key(m):
        p = m.metadata_props.add()
        p.key, p.value = "ddpm.T", str(T)

    def ext(m):
        t = numpy_helper.from_array(np.zeros(2, np.float32), "unused")
        t.ClearField("raw_data")
        t.data_location = onnx.TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", "w.bin"
        m.graph.initializer.append(t)

    return [
        make("power_scale_1e-50", {"ddpm.power_scale": "1e-50"}),
        make("power_scale_1e50", {"ddpm.power_scale": "1e50"}),
        make("power_scale_1e18", {"ddpm.power_scale": "1e18"}),
        make("beta_denormal", betas=np.r_[5e-324, good[1:]]),
        make("beta_one_minus_ulp", betas=np.r_[good[:-1], 1.0 - 2.0 ** -53]),
        make("abar_underflow", betas=np.full(400, 0.9)),
        make("dup_initializer", post=dup_init),
        make("dup_key", post=dup_key),
        make("external_unused", post=ext),
        make("hidden_underscore", {"ddpm.hidden": "0_4"}),
        make("hidden_space", {"ddpm.hidden": " 4"}),
        make("T_2e6", {"ddpm.T": "2000000"}),
        make("one_point", {"ddpm.constellation": "[[1.0, 0.0]]", "ddpm.bits_per_symbol": "0"}),
        make("coord_1e39", {"ddpm.constellation": "[[1e39, 0.0], [-1.0, 0.0]]", "ddpm.bits_per_symbol": "1"}),
        make("hidden_4097", {"ddpm.hidden": "4097"}),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    n = 0
    for name, data in seeds(a.small):
        h = hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(a.out, f"{name}-{h}"), "wb") as f:
            f.write(data)
        n += 1
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
