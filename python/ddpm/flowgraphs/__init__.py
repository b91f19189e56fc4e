"""gnuradio.ddpm.flowgraphs: reusable flowgraphs built from gr-ddpm blocks (hier and top blocks)."""
