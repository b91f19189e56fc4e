"""The gr-ddpm model-file contract (docs/model-format.md), stated once for the Python writer and the tests.

A model is one ONNX file: inputs ``x`` float32 [N, 2] and ``t`` int64 [N], output ``eps`` float32 [N, 2], the
initializers of :func:`initializer_shapes`, and ``metadata_props`` with the keys ``ddpm.<k>`` for every k in
:data:`REQUIRED_KEYS`. The one reader is the C++ one (lib/model.cc; Python reads through it,
modelfile.reader); tests hold the writer and the reader together.
"""

__all__ = ["FORMAT_VERSION", "ARCH", "PREDICTION", "OPSET", "IR_VERSION",
           "REQUIRED_KEYS", "INPUTS", "OUTPUT", "initializer_shapes"]

#: format version this package reads and writes (metadata ``ddpm.format_version`` holds it as decimal text)
FORMAT_VERSION = 1
#: the one network architecture: MLP with per-step embeddings multiplying each hidden layer, softplus
ARCH = "mlp_stepemb_softplus"
#: what the network predicts
PREDICTION = "eps"
#: ONNX opset and IR version the writer emits
OPSET = 17
IR_VERSION = 8
#: metadata keys every model carries (without the prefix)
REQUIRED_KEYS = ("format_version", "arch", "hidden", "depth", "T", "betas", "schedule", "prediction",
                 "dataset", "power_scale", "opset", "train_seed", "commit")
#: graph inputs (name, ONNX element type name, shape) and output
INPUTS = (("x", "FLOAT", ("N", 2)), ("t", "INT64", ("N",)))
OUTPUT = ("eps", "FLOAT", ("N", 2))


def initializer_shapes(T, hidden, depth):
    """Yield (name, shape) of every required initializer, in file order.

    T, hidden, depth: int >= 1. Layer l has ``layers.{l}.weight`` [hidden, 2 if l == 0 else hidden],
    ``layers.{l}.bias`` [hidden] and ``embeddings.{l}`` [T, hidden]; then ``out.weight`` [2, hidden] and
    ``out.bias`` [2]. A generator, so that a huge declared depth fails at the first missing initializer
    instead of building a table of 3·depth names first.
    """
    for layer in range(depth):
        yield f"layers.{layer}.weight", (hidden, 2 if layer == 0 else hidden)
        yield f"layers.{layer}.bias", (hidden,)
        yield f"embeddings.{layer}", (T, hidden)
    yield "out.weight", (2, hidden)
    yield "out.bias", (2,)
