"""gnuradio.ddpm.mimo: MIMO channel estimation with a learned channel denoiser (numpy runtime, no torch).

channels (geometric clustered channel generator, named scenes, splits), estimators (pilots, LS, LMMSE, OMP,
Lasso), model (the ``mimo_resmlp_wiener`` model file: writer, reader, numpy forward), sampler (posterior
sampling with closed-form data consistency; the supervised baseline), blocks (the GNU Radio blocks
mimo_channel_estimator, mimo_pilot_source, mimo_nmse_sink). docs/mimo.md.
"""
