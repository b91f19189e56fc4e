"""gnuradio.ddpm.training: PyTorch training of gr-ddpm models (``ddpm-train``): datasets, network, trainer.

Needs torch; nothing in a flowgraph imports this package.
"""
