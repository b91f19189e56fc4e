"""gnuradio.ddpm.core: the numpy runtime helpers the blocks use (no torch, Dask or matplotlib).

constellations (QAM/PSK, Gray labels, nearest point), ccdm (constant-composition distribution matching),
shaping (DDPM and Maxwell-Boltzmann PMFs, PMT encoding), channel (numpy reference of the impairment injector),
metrics (MSE/EVM/SER/BER/MI), estimators (exact MMSE and ML), checks (argument checks shared by all of them),
usrp_check (UHD device probe), venv (console scripts re-run under the project's .venv).
"""
