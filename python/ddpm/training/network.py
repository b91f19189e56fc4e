"""The noise-prediction network eps_theta(x, t) on 2-D points (PyTorch; training only).

Architecture ``mlp_stepemb_softplus`` (docs/model-format.md): D hidden linear layers of H units, softplus,
each hidden output multiplied element-wise by a learned per-step embedding gamma_l[t]
(``nn.Embedding(T, H)``), then a linear output layer of size 2::

    h_0 = x;  h_{l+1} = softplus(h_l W_l^T + b_l) * gamma_l[t];  eps = h_D W_out^T + b_out

Initialisation: linear layers use PyTorch's default (Kaiming-uniform); the step embeddings start at
uniform(0.5, 1.5) so that every step starts as a mildly rescaled copy of one shared network and the steps
differ from the first update on (all-ones would make the initial network independent of t; the
tutorial's uniform(0, 1) zeroes some units for some steps at the start).

Parameter names are the ONNX initializer names of the model format (``layers.{l}.weight``,
``layers.{l}.bias``, ``embeddings.{l}.weight`` -> ``embeddings.{l}``, ``out.weight``, ``out.bias``).
"""
import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["EpsNet"]


class EpsNet(nn.Module):
    """eps_theta(x, t).

    Parameters: T (number of steps), hidden (H, default 128), depth (D, default 3).
    forward(x float32 [N, 2], t int64 [N] in 0..T-1) -> float32 [N, 2].
    """

    def __init__(self, T=100, hidden=128, depth=3):
        super().__init__()
        if T < 1 or hidden < 1 or depth < 1:
            raise ValueError(f"EpsNet needs T, hidden, depth >= 1, got {T}, {hidden}, {depth}")
        self.T, self.hidden, self.depth = int(T), int(hidden), int(depth)
        self.layers = nn.ModuleList(
            [nn.Linear(2 if l == 0 else hidden, hidden) for l in range(depth)])
        self.embeddings = nn.ModuleList([nn.Embedding(T, hidden) for _ in range(depth)])
        for e in self.embeddings:
            nn.init.uniform_(e.weight, 0.5, 1.5)
        self.out = nn.Linear(hidden, 2)

    def forward(self, x, t):
        h = x
        for lin, emb in zip(self.layers, self.embeddings):
            h = F.softplus(lin(h)) * emb(t)
        return self.out(h)

    @classmethod
    def from_weights(cls, weights, T):
        """An EpsNet holding ``weights`` (dict name -> float array, the model file's initializer names, e.g.
        ``modelfile.reader.Model.weights``) for T steps; hidden and depth are read from the shapes."""
        depth = 0
        while f"layers.{depth}.weight" in weights:
            depth += 1
        hidden = int(weights["layers.0.weight"].shape[0])
        net = cls(T, hidden, depth)
        sd = {}
        for l in range(depth):
            sd[f"layers.{l}.weight"] = weights[f"layers.{l}.weight"]
            sd[f"layers.{l}.bias"] = weights[f"layers.{l}.bias"]
            sd[f"embeddings.{l}.weight"] = weights[f"embeddings.{l}"]
        sd["out.weight"] = weights["out.weight"]
        sd["out.bias"] = weights["out.bias"]
        net.load_state_dict({k: torch.as_tensor(v, dtype=torch.float32).clone() for k, v in sd.items()})
        return net

    def export_weights(self):
        """Weights as the model file names them: dict name -> float32 numpy array (copies)."""
        out = {}
        for l in range(self.depth):
            out[f"layers.{l}.weight"] = self.layers[l].weight.detach().cpu().float().numpy().copy()
            out[f"layers.{l}.bias"] = self.layers[l].bias.detach().cpu().float().numpy().copy()
            out[f"embeddings.{l}"] = self.embeddings[l].weight.detach().cpu().float().numpy().copy()
        out["out.weight"] = self.out.weight.detach().cpu().float().numpy().copy()
        out["out.bias"] = self.out.bias.detach().cpu().float().numpy().copy()
        return out
