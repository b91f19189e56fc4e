"""gnuradio.ddpm.evaluation: the experiments of ``ddpm-eval`` (runner on Dask, experiments, DNN baseline,
CSV/Markdown tables, matplotlib plots). Nothing in a flowgraph imports this package."""
