"""gnuradio.ddpm.modelfile: the model-file contract (docs/model-format.md) and everything defined by it.

format (constants and initializer shapes), reader (``load_model``), writer (``export_onnx``), lookup
(``find_model``: short name -> path), schedule (betas, alpha-bar, SNR-matched start step), rng (ddpm-rng-v1),
samplers (the sampler vocabulary), reference (numpy/ONNX Runtime reference sampler).
"""
