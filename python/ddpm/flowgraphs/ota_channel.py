#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ddpm.ota_channel: a hier block that stands in for two radios and the air between them, built from GNU Radio
parts (gr-channels iqbal_gen and distortion_3_gen, filter.fir_filter_ccc, filter.mmse_resampler_cc,
blocks.rotator_cc, analog.noise_source_c/f, blocks.delay).

Input and output: complex64 baseband at the SAMPLE rate, ``sps`` samples per symbol. Chain, transmitter first::

    IQ imbalance (TX, iqbal_gen) -> PA cubic nonlinearity (distortion_3_gen) -> multipath FIR with a random
    carrier phase -> SRO and fractional delay (mmse_resampler_cc) -> integer delay (blocks.delay)
    -> CFO (rotator_cc) -> phase noise -> + AWGN -> ADC quantiser (optional)

Units:
    snr_db: Es/N0 in dB per SYMBOL: N0 (the complex noise variance per sample, white over the sample rate) is
        Es / 10^(snr_db/10), Es = signal_power * sps (the energy of one symbol period of the input). After a
        matched filter normalised to unit energy, the SNR per symbol is snr_db. ``signal_power`` is the input's
        average power per sample while a burst is on; default 1/sps (unit-power symbols through a unit-energy
        pulse). snr_db = inf: no noise. The taps are applied as given (the main tap is 1): Es is that of the
        main path, the echoes add energy.
    cfo: carrier frequency offset as a FRACTION OF THE SYMBOL RATE (0.01 = 1 %); the rotator runs at
        cfo / sps cycles per SAMPLE (the unit of channels.channel_model's frequency_offset: 1 % of the symbol
        rate at sps 4 is 0.0025).
    sro_ppm: sample-rate offset in parts per million: the receiver's clock is faster by sro_ppm (it takes
        1 + sro_ppm * 1e-6 output samples per input sample).
    taps: multipath taps at SYMBOL spacing (tap k delayed by k * sps samples), complex.
    frac_delay: a fractional delay in samples (0 <= d < 1), applied by the resampler; random per seed in P2/P6.
        Whenever the resampler is in the chain (SRO or a fractional delay) the stream also comes out about 4
        samples early (the 8-tap interpolator's history is not output): only delay differences are exact.
    max_delay: the integer delay is drawn uniformly from 0 .. max_delay samples (0 = none).
    phase_noise_deg: rms phase noise in degrees: a first-order low-pass filtered Gaussian with correlation
        ``phase_noise_corr`` samples (single-pole IIR alpha = 1 / corr).
    iq_amp_db, iq_phase_deg: transmitter IQ imbalance (gr-channels iqbal_gen, mode TX).
    cubic: PA third-order coefficient c: y = x - c x |x|^2 / signal_power (c = 0.05: -5 % amplitude at the
        average power).
    phase_deg: the carrier phase in degrees; None (default) = uniform random per seed.
    adc_bits: 0 (off) or 1..16 bits per I and Q; full scale (per component) adc_full_scale, 0 = auto: 3 times
        the rms of one component of the received signal plus noise. Mid-rise uniform levels, clipping
        (gnuradio.ddpm.core.constellations.quantise).

Randomness: the carrier phase (uniform on [0, 2 pi)), the signs of the P1/P2 CFO and SRO, the fractional and
the integer delay are drawn from ``seed`` with ddpm-rng-v1 (gnuradio.ddpm.modelfile.rng); the noise sources
are seeded from it too. The same seed gives the same output. ``params()`` reports the realisation.

Profiles (``profile``: "P0".."P6", 0..6, or the friendly name, case-insensitive):
    P0 "awgn": AWGN (and the random carrier phase).
    P1 "cfo": CFO +-1 % of the symbol rate (sign random).
    P2 "cfo+sro": P1 + SRO +-100 ppm (sign random) + a random fractional delay.
    P3 "multipath": taps [1, 0.3j, 0.1] + CFO +0.5 %.
    P4 "strong multipath": taps [1, 0.45j, 0.25] + CFO +0.5 %.
    P5 "cheap sdr with multipath": P3 + phase noise 1 deg rms (corr 100 samples), IQ imbalance 0.5 dB / 3 deg,
        cubic 0.05.
    P6 "4-bit adc": P2 + a 4-bit ADC (auto full scale).
Keyword arguments override a profile's value (e.g. cfo=0.03).
"""
import math

import numpy as np
from gnuradio import analog, blocks, channels, filter, gr

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.modelfile.rng import hash_key

__all__ = ["ota_channel", "PROFILES", "profile_params", "profile_id", "transmitter_blocks"]

_NONE = dict(cfo=0.0, cfo_random_sign=False, sro_ppm=0.0, sro_random_sign=False, taps=(1.0,),
             frac_delay=0.0, random_frac_delay=False, phase_noise_deg=0.0, phase_noise_corr=100.0,
             iq_amp_db=0.0, iq_phase_deg=0.0, cubic=0.0, adc_bits=0, adc_full_scale=0.0, phase_deg=None)

#: the profiles: id -> (friendly name, settings that differ from no impairment)
PROFILES = {
    "P0": ("awgn", {}),
    "P1": ("cfo", dict(cfo=0.01, cfo_random_sign=True)),
    "P2": ("cfo+sro", dict(cfo=0.01, cfo_random_sign=True, sro_ppm=100.0, sro_random_sign=True,
                           random_frac_delay=True)),
    "P3": ("multipath", dict(taps=(1.0, 0.3j, 0.1), cfo=0.005)),
    "P4": ("strong multipath", dict(taps=(1.0, 0.45j, 0.25), cfo=0.005)),
    "P5": ("cheap sdr with multipath", dict(taps=(1.0, 0.3j, 0.1), cfo=0.005, phase_noise_deg=1.0,
                                            phase_noise_corr=100.0, iq_amp_db=0.5, iq_phase_deg=3.0,
                                            cubic=0.05)),
    "P6": ("4-bit adc", dict(cfo=0.01, cfo_random_sign=True, sro_ppm=100.0, sro_random_sign=True,
                             random_frac_delay=True, adc_bits=4)),
}

# ddpm-rng-v1 counters of the channel's draws (distinct from the sampler's step counters 0..T)
_C_DRAW = 0x07A0C4A7


def profile_id(profile):
    """"P0".."P6", an int 0..6 or a friendly name (case-insensitive) -> "P0".."P6"; ValueError otherwise."""
    if isinstance(profile, (int, np.integer)) and not isinstance(profile, bool):
        key = f"P{int(profile)}"
    else:
        key = str(profile).strip()
        key = key.upper() if key.upper() in PROFILES else key
    if key in PROFILES:
        return key
    for pid, (name, _) in PROFILES.items():
        if str(profile).strip().lower() == name:
            return pid
    names = ", ".join(f"{k} ({v[0]!r})" for k, v in PROFILES.items())
    raise ValueError(f"unknown channel profile {profile!r}: use one of {names}")


def profile_params(profile):
    """The settings of a profile (dict of every impairment; see the module docstring)."""
    p = dict(_NONE)
    p.update(PROFILES[profile_id(profile)][1])
    return p


def transmitter_blocks(params, signal_power):
    """The transmitter's hardware of ota_channel, in its order: [iqbal_gen (TX)] [distortion_3_gen] (list of
    GNU Radio blocks, complex64 -> complex64, possibly empty). params: a dict with iq_amp_db, iq_phase_deg and
    cubic (as profile_params()); signal_power: the input power per sample during a burst (the cubic's
    reference). The one definition, also used by bench/bench_burst.py's hardware-aware bound."""
    out = []
    if params["iq_amp_db"] or params["iq_phase_deg"]:
        out.append(channels.iqbal_gen(float(params["iq_amp_db"]), float(params["iq_phase_deg"]), 0))
    if params["cubic"]:
        out.append(channels.distortion_3_gen(-float(params["cubic"]) / float(signal_power)))
    return out


def _uniform(seed, i):
    """The i-th uniform number in [0, 1) of the channel's draws under seed (ddpm-rng-v1)."""
    h = int(hash_key(int(seed), int(i), _C_DRAW))
    return (h >> 11) * 2.0 ** -53


class _quantiser(gr.sync_block):
    """b-bit mid-rise quantiser on I and Q (core.constellations.quantise): complex64 -> complex64."""

    def __init__(self, bits, full_scale):
        gr.sync_block.__init__(self, name="ddpm_ota_adc", in_sig=[np.complex64], out_sig=[np.complex64])
        self._bits = int(bits)
        self._fs = float(full_scale)

    def work(self, input_items, output_items):
        x = input_items[0]
        y = np.nan_to_num(x)                    # a NaN would stay NaN; +-inf clips like any large value
        output_items[0][:] = constellations.quantise(y, self._bits, self._fs)
        return len(x)


class ota_channel(gr.hier_block2):
    """Two radios and the air between them (see the module docstring for the chain, the units and profiles).

    Args:
        profile: "P0".."P6", 0..6, or a friendly name.
        snr_db: float, Es/N0 per symbol in dB (inf = no noise).
        seed: int >= 0, the realisation (phase, signs, delays, noise).
        sps: int >= 1, samples per symbol.
        signal_power: float > 0, input power per sample during a burst (None = 1/sps).
        max_delay: int >= 0, the integer delay is uniform in 0..max_delay samples.
        **overrides: any key of profile_params() (cfo, sro_ppm, taps, frac_delay, phase_noise_deg,
            phase_noise_corr, iq_amp_db, iq_phase_deg, cubic, adc_bits, adc_full_scale, phase_deg), replacing the
            profile's value; an explicit cfo / sro_ppm / frac_delay is used as given (no random sign / draw).
    """

    def __init__(self, profile="P0", snr_db=20.0, seed=0, sps=4, signal_power=None, max_delay=0, **overrides):
        gr.hier_block2.__init__(self, "ddpm_ota_channel", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        pid = profile_id(profile)
        p = profile_params(pid)
        unknown = set(overrides) - set(p)
        if unknown:
            raise ValueError(f"ota_channel: unknown parameter(s) {sorted(unknown)}; known: {sorted(p)}")
        for k in ("cfo", "sro_ppm"):
            if k in overrides:
                p[f"{k}_random_sign"] = False
        if "frac_delay" in overrides:
            p["random_frac_delay"] = False
        p.update(overrides)
        sps = int(sps)
        if sps < 1:
            raise ValueError(f"sps must be >= 1, got {sps}")
        if isinstance(seed, bool) or int(seed) != seed or not 0 <= int(seed) < 1 << 63:
            raise ValueError(f"seed must be an integer in [0, 2^63), got {seed!r}")
        seed = int(seed)
        ps = 1.0 / sps if signal_power is None else float(signal_power)
        if not (math.isfinite(ps) and ps > 0):
            raise ValueError(f"signal_power must be finite and > 0, got {signal_power!r}")
        snr_db = float(snr_db)
        if math.isnan(snr_db) or snr_db == -math.inf:
            raise ValueError(f"snr_db must be a number (inf = no noise), got {snr_db!r}")
        if isinstance(max_delay, bool) or int(max_delay) != max_delay or not 0 <= int(max_delay) <= 1 << 24:
            raise ValueError(f"max_delay must be an integer in 0..2^24 samples, got {max_delay!r}")
        taps = np.asarray(p["taps"], dtype=np.complex128).reshape(-1)
        if taps.size < 1 or not np.all(np.isfinite(taps)) or not np.any(taps):
            raise ValueError("taps: need at least one finite tap, not all zero")
        if p["phase_deg"] is not None and not math.isfinite(float(p["phase_deg"])):
            raise ValueError(f"phase_deg must be finite (or None = random), got {p['phase_deg']!r}")
        for k in ("cfo", "sro_ppm", "phase_noise_deg", "iq_amp_db", "iq_phase_deg", "cubic", "frac_delay",
                  "adc_full_scale", "phase_noise_corr"):
            if not math.isfinite(float(p[k])):
                raise ValueError(f"{k} must be finite, got {p[k]!r}")
        if abs(p["cfo"]) > 0.5:
            raise ValueError(f"cfo is a fraction of the symbol rate, |cfo| <= 0.5, got {p['cfo']}")
        if abs(p["sro_ppm"]) > 1e4:
            raise ValueError(f"|sro_ppm| must be <= 10000, got {p['sro_ppm']}")
        if not 0.0 <= p["frac_delay"] < 1.0:
            raise ValueError(f"frac_delay must be in [0, 1) samples, got {p['frac_delay']}")
        if p["phase_noise_deg"] < 0 or p["phase_noise_corr"] < 1:
            raise ValueError("phase_noise_deg must be >= 0 and phase_noise_corr >= 1 sample")
        if not (0 <= int(p["adc_bits"]) <= 16) or p["adc_full_scale"] < 0:
            raise ValueError("adc_bits must be 0..16 and adc_full_scale >= 0")

        # ---------------------------------------------------------------- the realisation
        u = [_uniform(seed, i) for i in range(6)]
        phase = 2.0 * math.pi * u[0] if p["phase_deg"] is None else math.radians(float(p["phase_deg"]))
        cfo = float(p["cfo"]) * (-1.0 if p["cfo_random_sign"] and u[1] < 0.5 else 1.0)
        sro = float(p["sro_ppm"]) * (-1.0 if p["sro_random_sign"] and u[2] < 0.5 else 1.0)
        frac = u[3] if p["random_frac_delay"] else float(p["frac_delay"])
        delay = int(math.floor(u[4] * (int(max_delay) + 1))) if max_delay else 0
        n0 = 0.0 if snr_db == math.inf else ps * sps * 10.0 ** (-snr_db / 10.0)
        fir = np.zeros((taps.size - 1) * sps + 1, dtype=np.complex128)
        fir[::sps] = taps
        fir *= np.exp(1j * phase)
        rx_power = ps * float(np.sum(np.abs(taps) ** 2)) + n0
        fs = float(p["adc_full_scale"]) or 3.0 * math.sqrt(rx_power / 2.0)
        self._params = dict(profile=pid, name=PROFILES[pid][0], snr_db=snr_db, seed=seed, sps=sps,
                            signal_power=ps, noise_var=n0, phase_rad=phase, cfo=cfo,
                            cfo_cycles_per_sample=cfo / sps, sro_ppm=sro, frac_delay=frac, delay=delay,
                            taps=taps.copy(), fir=fir.copy(), phase_noise_deg=float(p["phase_noise_deg"]),
                            phase_noise_corr=float(p["phase_noise_corr"]), iq_amp_db=float(p["iq_amp_db"]),
                            iq_phase_deg=float(p["iq_phase_deg"]), cubic=float(p["cubic"]),
                            adc_bits=int(p["adc_bits"]), adc_full_scale=fs if int(p["adc_bits"]) else 0.0)

        # ---------------------------------------------------------------- the chain
        chain = transmitter_blocks(p, ps)
        chain.append(filter.fir_filter_ccc(1, fir.astype(np.complex64).tolist()))
        if sro or frac:
            # mu_inc = input samples per output sample; the first output sample sits frac samples late
            chain.append(filter.mmse_resampler_cc(1.0 - frac if frac else 0.0, 1.0 / (1.0 + sro * 1e-6)))
            self._params["resampler_phase"] = 1.0 - frac if frac else 0.0
        if delay:
            chain.append(blocks.delay(gr.sizeof_gr_complex, delay))
        if cfo:
            chain.append(blocks.rotator_cc(2.0 * math.pi * cfo / sps))
        self._blocks = list(chain)
        self.connect(self, *chain)
        last = chain[-1]
        if p["phase_noise_deg"]:
            alpha = 1.0 / float(p["phase_noise_corr"])
            rms = math.radians(float(p["phase_noise_deg"]))
            mag = rms * math.sqrt((2.0 - alpha) / alpha)   # rms of the filtered walk = mag sqrt(alpha/(2-alpha))
            src = analog.noise_source_f(analog.GR_GAUSSIAN, mag, (seed * 2 + 11) % (1 << 31) or 1)
            iir = filter.single_pole_iir_filter_ff(alpha, 1)
            cos_, sin_ = blocks.transcendental("cos", "float"), blocks.transcendental("sin", "float")
            f2c = blocks.float_to_complex(1)
            mul = blocks.multiply_cc(1)
            self.connect(src, iir)
            self.connect(iir, cos_, (f2c, 0))
            self.connect(iir, sin_, (f2c, 1))
            self.connect(last, (mul, 0))
            self.connect(f2c, (mul, 1))
            self._blocks += [src, iir, cos_, sin_, f2c, mul]
            last = mul
        if n0 > 0:
            noise = analog.noise_source_c(analog.GR_GAUSSIAN, math.sqrt(n0), (seed * 2 + 7) % (1 << 31) or 1)
            add = blocks.add_cc(1)
            self.connect(last, (add, 0))
            self.connect(noise, (add, 1))
            self._blocks += [noise, add]
            last = add
        if int(p["adc_bits"]):
            q = _quantiser(int(p["adc_bits"]), fs)
            self.connect(last, q)
            self._blocks.append(q)
            last = q
        self.connect(last, self)

    def params(self):
        """The realisation (dict): profile, name, snr_db, seed, sps, signal_power, noise_var (N0 per sample),
        phase_rad, cfo (fraction of the symbol rate), cfo_cycles_per_sample, sro_ppm, frac_delay, delay
        (integer samples), taps (symbol-spaced, complex128 [L]), fir (the sample-spaced FIR with the carrier
        phase, complex128 [(L-1) sps + 1]), phase_noise_deg, phase_noise_corr, iq_amp_db, iq_phase_deg, cubic,
        adc_bits, adc_full_scale."""
        d = dict(self._params)
        d["taps"] = d["taps"].copy()
        d["fir"] = d["fir"].copy()
        return d
