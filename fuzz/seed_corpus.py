"""Write the seed corpus of the model-reader fuzzer (fuzz/fuzz_model_loader.cc).

Seeds: the shipped models (models/*.onnx), the committed tiny fixtures (tests/fixtures/*.onnx), every malformed
variant of tests/fixtures/ddpm_fixtures.py (the kernel engineer's generator, reused), and small valid models
at the edges of the format (H = D = T = 1, no constellation, float_data, 2-point constellation).

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
    return out


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
