"""The sampler vocabulary: the reverse processes a gr-ddpm model can be run with.

The names and their order come from the C++ table (``gr::ddpm::kernel::sampler_type``, bound as
``gnuradio.ddpm.sampler_type`` / ``sampler_names()``), which the denoiser block, its GRC enum, the kernel
binding and the Python reference sampler all use: index i of :data:`SAMPLERS` is the block's ``sampler = i``.
"""
from gnuradio.ddpm.ddpm_python import sampler_names

__all__ = ["SAMPLERS", "check_sampler"]

#: sampler names in enum order: ("paper", "matched", "ddim")
SAMPLERS = tuple(sampler_names())


def check_sampler(name):
    """A sampler name (str) -> the same name; ValueError naming the valid ones otherwise."""
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r} (choose from {', '.join(SAMPLERS)})")
    return name
