"""Geometric clustered MIMO channel generator (numpy): uniform planar arrays at both ends, named scenes.

Equations and scene parameters: docs/mimo.md. In short, for one channel (UE array with ``Nr`` antennas receives,
BS array with ``Nt`` antennas transmits)::

    H = sqrt(K/(K+1)) e^{j phi0} a_r(LoS) a_t(LoS)^H + sqrt(1/(K+1)) sum_c sum_r g_{c,r} a_r(c,r) a_t(c,r)^H

with K = 0 (no LoS term) when the link is not line of sight (probability 1 - p_los), K = 10^(K_dB/10),
K_dB ~ N(mu, sd) otherwise. Cluster centres come from the scene's geometry (single-bounce images of the UE
across the scene's walls, floor and ceiling, and random point scatterers), cluster powers from path length,
reflection loss and log-normal shadowing, normalised to sum 1. Each cluster has ``rays`` rays with Laplacian
angle offsets (spread per cluster, departure and arrival) and gains g ~ CN(0, P_c / rays); ``rays = 1`` is
specular (|g| = sqrt(P_c), uniform phase). Array response of a UPA with Nv rows x Nh columns at half a
wavelength, element (row n, column m) at flat index n*Nh + m::

    a[n*Nh + m] = exp(j pi (m u + n v)),  u = cos(el) sin(az - boresight), v = sin(el)

so every entry of a_r a_t^H has unit modulus and E|H_ij|^2 = 1 (unit average power, in expectation, not
renormalised per channel).

Exact and seeded: channel i of ``generate(scene, n, seed, start)`` is drawn from its own generator
``numpy.random.default_rng([seed, start + i])`` with a fixed number of draws, and computed inside its aligned
block of 64 indices, so it is bit-for-bit the same channel whatever ``n`` / ``start`` / batch it is made in. Shapes: channels complex128 [n, Nr, Nt]; row-major flattening
``H.reshape(n, Nr*Nt)`` (index r*Nt + t) is the vector form used everywhere in :mod:`gnuradio.ddpm.mimo`.
"""
import math
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["Array", "Scene", "SCENES", "SPLITS", "ArrayConfig", "DEFAULT_ARRAYS", "LARGE_ARRAYS", "scene_by_name",
           "steering", "generate", "split_channels", "with_rays", "MAX_CLUSTERS", "MAX_RAYS"]

#: most clusters (reflections + scatterers) of any scene, and most rays per cluster: the fixed draw budget
MAX_CLUSTERS = 10
MAX_RAYS = 16
_BLOCK = 64


@dataclass(frozen=True)
class Array:
    """A uniform planar array of ``rows`` x ``cols`` elements at half a wavelength (rows along z, cols along
    the horizontal axis). ``size`` = rows * cols."""
    rows: int
    cols: int

    @property
    def size(self):
        return self.rows * self.cols

    def __str__(self):
        return f"{self.rows}x{self.cols}"

    @staticmethod
    def parse(text):
        """'4x8' -> Array(4, 8); ValueError otherwise."""
        try:
            r, c = (int(v) for v in str(text).lower().split("x"))
        except ValueError:
            raise ValueError(f"array must be written ROWSxCOLS (e.g. 4x8), got {text!r}") from None
        if not (1 <= r <= 64 and 1 <= c <= 64):
            raise ValueError(f"array rows and cols must be in 1..64, got {text!r}")
        return Array(r, c)


@dataclass(frozen=True)
class ArrayConfig:
    """Both ends: bs (transmitting, Nt = bs.size), ue (receiving, Nr = ue.size)."""
    bs: Array = Array(4, 8)
    ue: Array = Array(2, 2)

    @property
    def nt(self):
        return self.bs.size

    @property
    def nr(self):
        return self.ue.size

    @property
    def dim(self):
        """Number of complex channel entries Nr * Nt."""
        return self.nt * self.nr


DEFAULT_ARRAYS = ArrayConfig()
#: the documented larger configuration (docs/mimo.md): BS 8x8, UE 2x2
LARGE_ARRAYS = ArrayConfig(Array(8, 8), Array(2, 2))


@dataclass(frozen=True)
class Scene:
    """A named scene (docs/mimo.md has the table).

    kind: 'street' or 'indoor' (geometry); bs_pos: BS position (m), boresight +x; ue_box: ((x0, x1), (y0, y1), z)
    UE drop region; planes: reflecting planes (axis 0/1/2, coordinate, loss dB); p_los; k_db: (mean, sd) of the
    Rician K-factor in dB when LoS; scatterers: (min, max) number of point scatterers; scatter_box: region
    ((x0, x1), (y0, y1), (z0, z1)) with x relative to the UE's x; scatter_db: scatterer power relative to a
    reflection; shadow_db: log-normal shadowing sd per cluster; spread_deg: (departure, arrival) rms angle spread
    per cluster (Laplacian, same for azimuth and elevation); rays: rays per cluster (1 = specular).
    """
    name: str
    kind: str
    bs_pos: tuple
    ue_box: tuple
    planes: tuple
    p_los: float
    k_db: tuple
    scatterers: tuple
    scatter_box: tuple
    scatter_db: float
    shadow_db: float
    spread_deg: tuple
    rays: int

    @property
    def max_clusters(self):
        return len(self.planes) + self.scatterers[1]


_STREET = dict(kind="street", bs_pos=(0.0, -8.0, 10.0), ue_box=((20.0, 150.0), (-8.0, 8.0), 1.5),
               planes=((1, 10.0, -6.0), (1, -10.0, -6.0), (2, 0.0, -8.0)),
               scatter_box=((-10.0, 10.0), (-9.0, 9.0), (0.5, 4.0)))

SCENES = {
    # outdoor street canyon: LoS-heavy, two walls and the ground, at most one street-furniture scatterer
    "street": Scene(name="street", p_los=0.9, k_db=(7.0, 3.0), scatterers=(0, 1), scatter_db=-10.0,
                    shadow_db=3.0, spread_deg=(1.0, 5.0), rays=10, **_STREET),
    # the same street with blockage (parked trucks, crowds): mostly NLoS, strong scatterers near the UE
    "blockage": Scene(name="blockage", p_los=0.2, k_db=(2.0, 3.0), scatterers=(2, 5), scatter_db=-2.0,
                      shadow_db=5.0, spread_deg=(3.0, 10.0), rays=10, **_STREET),
    # indoor room 12 m x 10 m x 3 m, access point on the x = 0 wall: six surfaces' worth of reflections
    "indoor": Scene(name="indoor", kind="indoor", bs_pos=(0.2, 0.0, 2.5), ue_box=((1.5, 11.0), (-4.5, 4.5), 1.0),
                    planes=((1, 5.0, -7.0), (1, -5.0, -7.0), (0, 12.0, -7.0), (2, 0.0, -7.0), (2, 3.0, -9.0)),
                    p_los=0.8, k_db=(4.0, 3.0), scatterers=(2, 4), scatter_box=((-3.0, 3.0), (-4.5, 4.5), (0.3, 2.0)),
                    scatter_db=-6.0, shadow_db=3.0, spread_deg=(6.0, 12.0), rays=10),
}
#: 'mixed' draws each channel's scene uniformly from these
MIXED = ("street", "blockage", "indoor")

#: experiment splits: name -> (training scene, test scene)
SPLITS = {"in_distribution": ("street", "street"), "ood_blockage": ("street", "blockage"),
          "mixed": ("mixed", "mixed")}

# seed streams of split_channels (parts of a split never share a channel)
_PART_STREAM = {"train": 0, "validation": 1, "test": 2}


def scene_by_name(name):
    """Scene by name ('street', 'blockage', 'indoor'); 'mixed' is handled by generate. ValueError otherwise."""
    if name not in SCENES:
        raise ValueError(f"unknown scene {name!r}; choose from {', '.join(list(SCENES) + ['mixed'])}")
    return SCENES[name]


def _cis(phase):
    """exp(j phase) from real cos/sin (complex128, same shape)."""
    out = np.empty(np.shape(phase), dtype=np.complex128)
    out.real = np.cos(phase)
    out.imag = np.sin(phase)
    return out


def _cmul(a, b):
    """a * b for complex arrays (broadcasting) from separate real products and sums. numpy's SIMD complex
    multiply may fuse them (FMA) depending on the arrays' memory alignment, which would make a channel depend
    on where its batch happened to be allocated; one rounding per real operation keeps it exact."""
    ar, ai, br, bi = a.real, a.imag, b.real, b.imag
    re = ar * br
    re -= ai * bi
    im = ar * bi
    im += ai * br
    out = np.empty(re.shape, dtype=np.complex128)
    out.real = re
    out.imag = im
    return out


def _complex(re, im):
    out = np.empty(np.broadcast(re, im).shape, dtype=np.complex128)
    out.real = re
    out.imag = im
    return out


def _rmul(r, z):
    """real r times complex z, part by part (broadcasting)."""
    return _complex(r * z.real, r * z.imag)


def steering(arr, u, v, conj=False):
    """UPA response. arr: Array; u, v: float arrays of any shape S (direction cosines in the array frame);
    conj: return the complex conjugate. Returns complex128 [*S, arr.size], entry n*cols + m = exp(j pi (m u + n v))
    (separable: one exponential per column and per row, then their outer product)."""
    sgn = -1.0 if conj else 1.0
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    ec = _cis(sgn * np.pi * u[..., None] * np.arange(arr.cols))          # [*S, cols]
    er = _cis(sgn * np.pi * v[..., None] * np.arange(arr.rows))          # [*S, rows]
    return _cmul(er[..., :, None], ec[..., None, :]).reshape(u.shape + (arr.size,))


def _angles(d):
    """unit vectors [..., 3] -> (az, el)."""
    return np.arctan2(d[..., 1], d[..., 0]), np.arcsin(np.clip(d[..., 2], -1.0, 1.0))


def _unit(d):
    return d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-12)


# fixed per-channel draw budget (uniforms, normals): the stream layout never depends on the scene or n
_NU_HEAD = 8                      # scene choice, los, ue x, y, rotation, los phase, scatterer count, spare
_NU_CL = MAX_CLUSTERS * 3         # scatterer positions
_NU_RAY = MAX_CLUSTERS * MAX_RAYS * 4 + MAX_CLUSTERS * MAX_RAYS   # laplacian offsets, specular phases
_NN_HEAD = 2                      # K dB, spare
_NN_CL = MAX_CLUSTERS             # shadowing
_NN_RAY = MAX_CLUSTERS * MAX_RAYS * 2   # ray gains


def _draws(seed, start, n):
    nu = _NU_HEAD + _NU_CL + _NU_RAY
    nn = _NN_HEAD + _NN_CL + _NN_RAY
    U = np.empty((n, nu))
    N = np.empty((n, nn))
    for i in range(n):
        rng = np.random.default_rng([int(seed), int(start) + i])
        U[i] = rng.random(nu)
        N[i] = rng.standard_normal(nn)
    return U, N


def _laplace(u, scale):
    """Laplacian with rms ``scale`` from uniforms u in [0, 1): b = scale / sqrt(2)."""
    b = scale / math.sqrt(2.0)
    x = u - 0.5
    return -b * np.sign(x) * np.log1p(-2.0 * np.abs(x))


def _scene_channels(sc, arrays, U, N, rays, return_parts):
    """Channels of one scene for draw rows U [B, nu], N [B, nn]. Returns (H, los, k_lin, H_los, H_nlos)."""
    B = U.shape[0]
    R = int(rays if rays is not None else sc.rays)
    bs = np.asarray(sc.bs_pos, dtype=np.float64)
    (x0, x1), (y0, y1), zu = sc.ue_box
    ue = np.stack([x0 + (x1 - x0) * U[:, 2], y0 + (y1 - y0) * U[:, 3], np.full(B, zu)], axis=1)
    rot = 2.0 * np.pi * U[:, 4]                       # UE array boresight azimuth
    los = U[:, 1] < sc.p_los
    k_lin = np.where(los, 10.0 ** ((sc.k_db[0] + sc.k_db[1] * N[:, 0]) / 10.0), 0.0)

    # cluster centres: reflections (images) then scatterers
    P = len(sc.planes)
    C = sc.max_clusters
    dep = np.empty((B, C, 3))
    arr_ = np.empty((B, C, 3))
    length = np.empty((B, C))
    gain_db = np.empty((B, C))
    active = np.ones((B, C), dtype=bool)
    for c, (axis, coord, loss) in enumerate(sc.planes):
        ue_img = ue.copy()
        ue_img[:, axis] = 2.0 * coord - ue[:, axis]
        bs_img = np.broadcast_to(bs, ue.shape).copy()
        bs_img[:, axis] = 2.0 * coord - bs[axis]
        dep[:, c] = ue_img - bs
        arr_[:, c] = bs_img - ue
        length[:, c] = np.linalg.norm(ue_img - bs, axis=1)
        gain_db[:, c] = loss
    smin, smax = sc.scatterers
    ns = smin + np.minimum((U[:, 6] * (smax - smin + 1)).astype(int), smax - smin)
    (sx0, sx1), (sy0, sy1), (sz0, sz1) = sc.scatter_box
    for j in range(smax):
        c = P + j
        us = U[:, _NU_HEAD + 3 * j: _NU_HEAD + 3 * j + 3]
        s = np.stack([ue[:, 0] + sx0 + (sx1 - sx0) * us[:, 0], sy0 + (sy1 - sy0) * us[:, 1],
                      sz0 + (sz1 - sz0) * us[:, 2]], axis=1)
        dep[:, c] = s - bs
        arr_[:, c] = s - ue
        length[:, c] = np.linalg.norm(s - bs, axis=1) + np.linalg.norm(s - ue, axis=1)
        gain_db[:, c] = sc.scatter_db
        active[:, c] = j < ns
    d_los = np.linalg.norm(ue - bs, axis=1)
    pw = (d_los[:, None] / length) ** 2 * 10.0 ** ((gain_db + sc.shadow_db * N[:, _NN_HEAD:_NN_HEAD + C]) / 10.0)
    pw = np.where(active, pw, 0.0)
    pw = pw / pw.sum(axis=1, keepdims=True)

    az_t, el_t = _angles(_unit(dep))
    az_r, el_r = _angles(_unit(arr_))
    # ray offsets (fixed positions in the draw stream: cluster c, ray r)
    off = U[:, _NU_HEAD + _NU_CL:_NU_HEAD + _NU_CL + MAX_CLUSTERS * MAX_RAYS * 4].reshape(B, MAX_CLUSTERS, MAX_RAYS, 4)
    off = off[:, :C, :R]
    sd_t, sd_r = (math.radians(s) for s in sc.spread_deg)
    if R == 1:
        o = np.zeros((B, C, 1, 4))
    else:
        o = np.concatenate([_laplace(off[..., :2], sd_t), _laplace(off[..., 2:], sd_r)], axis=-1)
    azt = az_t[:, :, None] + o[..., 0]
    elt = el_t[:, :, None] + o[..., 1]
    azr = az_r[:, :, None] + o[..., 2] - rot[:, None, None]
    elr = el_r[:, :, None] + o[..., 3]
    a_tc = steering(arrays.bs, np.cos(elt) * np.sin(azt), np.sin(elt), conj=True)   # [B, C, R, Nt], conjugated
    a_r = steering(arrays.ue, np.cos(elr) * np.sin(azr), np.sin(elr))        # [B, C, R, Nr]
    base = _NN_HEAD + _NN_CL
    gn = N[:, base:base + MAX_CLUSTERS * MAX_RAYS * 2].reshape(B, MAX_CLUSTERS, MAX_RAYS, 2)[:, :C, :R]
    if R == 1:
        ph0 = _NU_HEAD + _NU_CL + MAX_CLUSTERS * MAX_RAYS * 4
        phase = U[:, ph0:ph0 + MAX_CLUSTERS * MAX_RAYS].reshape(B, MAX_CLUSTERS, MAX_RAYS)[:, :C, :1]
        g = _rmul(np.sqrt(pw)[:, :, None], _cis(2.0 * np.pi * phase))
    else:
        amp = np.sqrt(pw[:, :, None] / (2.0 * R))
        g = _complex(amp * gn[..., 0], amp * gn[..., 1])
    ga = _cmul(g[..., None], a_r).reshape(B, C * R, arrays.nr)
    at = a_tc.reshape(B, C * R, arrays.nt)
    h_nlos = np.zeros((B, arrays.nr, arrays.nt), dtype=np.complex128)
    for k in range(C * R):           # elementwise accumulation: bit-identical whatever the batch (no BLAS)
        h_nlos += _cmul(ga[:, k, :, None], at[:, k, None, :])

    d = _unit(ue - bs)
    az, el = _angles(d)
    azr0, elr0 = _angles(-d)
    a_t0c = steering(arrays.bs, np.cos(el) * np.sin(az), np.sin(el), conj=True)
    a_r0 = steering(arrays.ue, np.cos(elr0) * np.sin(azr0 - rot), np.sin(elr0))
    h_los = _cmul(_cis(2.0 * np.pi * U[:, 5])[:, None, None], _cmul(a_r0[:, :, None], a_t0c[:, None, :]))
    wl = np.sqrt(k_lin / (k_lin + 1.0))[:, None, None]
    wn = np.sqrt(1.0 / (k_lin + 1.0))[:, None, None]
    lo, nl = _rmul(wl, h_los), _rmul(wn, h_nlos)
    H = _complex(lo.real + nl.real, lo.imag + nl.imag)
    if return_parts:
        return H, los, k_lin, lo, nl
    return H, los, k_lin, None, None


def generate(scene, n, seed, start=0, arrays=DEFAULT_ARRAYS, rays=None, return_info=False):
    """Draw ``n`` channels of a scene.

    scene: 'street', 'blockage', 'indoor' or 'mixed' (each channel's scene uniform among those three), or a Scene;
    n: int >= 0; seed: int >= 0; start: index of the first channel (channel i uses default_rng([seed, start + i]));
    arrays: ArrayConfig; rays: rays per cluster overriding the scene's (1 = specular, <= MAX_RAYS).
    Returns complex128 [n, Nr, Nt]; with return_info also a dict of arrays [n]: los (bool), k (linear K-factor,
    0 when NLoS), scene (str), and h_los / h_nlos (complex128 [n, Nr, Nt], the two weighted terms, H = sum).
    """
    n = int(n)
    if n < 0 or int(seed) < 0 or int(start) < 0:
        raise ValueError(f"n, seed and start must be >= 0 (got {n}, {seed}, {start})")
    if rays is not None and not 1 <= int(rays) <= MAX_RAYS:
        raise ValueError(f"rays must be in 1..{MAX_RAYS}, got {rays}")
    first, last = int(start) // _BLOCK, (int(start) + n + _BLOCK - 1) // _BLOCK
    if n and (first * _BLOCK != int(start) or last - first > 1 or n != _BLOCK):
        # exact whatever the call: every channel is computed inside its aligned block of _BLOCK indices, with the
        # same array shapes and the same neighbours (numpy's vectorised loops may round differently when the
        # array sizes differ by a few elements)
        parts = [generate(scene, _BLOCK, seed, b * _BLOCK, arrays, rays, return_info) for b in range(first, last)]
        lo = int(start) - first * _BLOCK
        cut = slice(lo, lo + n)
        if not return_info:
            return np.concatenate(parts)[cut]
        info = {k: (None if parts[0][1][k] is None else np.concatenate([p[1][k] for p in parts])[cut])
                for k in parts[0][1]}
        return np.concatenate([p[0] for p in parts])[cut], info
    U, N = _draws(seed, start, n)
    if isinstance(scene, Scene):
        names = np.full(n, scene.name, dtype=object)
        table = {scene.name: scene}
    elif scene == "mixed":
        names = np.array(MIXED, dtype=object)[np.minimum((U[:, 0] * len(MIXED)).astype(int), len(MIXED) - 1)]
        table = SCENES
    else:
        sc = scene_by_name(scene)
        names = np.full(n, sc.name, dtype=object)
        table = {sc.name: sc}
    H = np.zeros((n, arrays.nr, arrays.nt), dtype=np.complex128)
    info = {"los": np.zeros(n, dtype=bool), "k": np.zeros(n), "scene": names,
            "h_los": np.zeros_like(H) if return_info else None, "h_nlos": np.zeros_like(H) if return_info else None}
    for name, sc in table.items():
        sel = np.flatnonzero(names == name)
        if sel.size == 0:
            continue
        # pad the group to the full block (copies of its first row): the vectorised maths then always runs on
        # arrays of the same size, whose loops have no size-dependent tail
        pad = np.concatenate([sel, np.full(n - sel.size, sel[0])]) if sel.size < n else sel
        h, los, k, hl, hn = (None if v is None else v[:sel.size]
                             for v in _scene_channels(sc, arrays, U[pad], N[pad], rays, return_info))
        H[sel] = h
        info["los"][sel] = los
        info["k"][sel] = k
        if return_info:
            info["h_los"][sel] = hl
            info["h_nlos"][sel] = hn
    return (H, info) if return_info else H


def split_channels(split, part, n, seed, arrays=DEFAULT_ARRAYS, rays=None):
    """Channels of one part of an experiment split.

    split: key of SPLITS (or a scene name: train and test on it); part: 'train' | 'validation' (both from the
    training scene) | 'test' (the test scene); n, seed: as in generate (the part picks an independent stream:
    seed' = 3 * seed + {train 0, validation 1, test 2}). Returns complex128 [n, Nr, Nt].
    """
    if part not in _PART_STREAM:
        raise ValueError(f"part must be train, validation or test, got {part!r}")
    train_scene, test_scene = SPLITS[split] if split in SPLITS else (split, split)
    scene = test_scene if part == "test" else train_scene
    return generate(scene, n, 3 * int(seed) + _PART_STREAM[part], arrays=arrays, rays=rays)


def with_rays(scene, rays):
    """A copy of a Scene with another ray count (1 = specular)."""
    return replace(scene_by_name(scene) if isinstance(scene, str) else scene, rays=int(rays))


def _bench(n=8192, seed=1):
    """Throughput per scene (CPU time, this process): ``python -m gnuradio.ddpm.mimo.channels``."""
    import time
    for scene in list(SCENES) + ["mixed"]:
        t0 = time.process_time()
        generate(scene, n, seed)
        dt = time.process_time() - t0
        print(f"{scene:9s} {n} channels ({DEFAULT_ARRAYS.ue} UE x {DEFAULT_ARRAYS.bs} BS) in {dt:.2f} s CPU: "
              f"{n / dt:.0f} channels/s")


if __name__ == "__main__":
    _bench()
