"""Upper bound on R(D): a beta-VAE evaluated on held-out samples (docs/method.md, "Upper bound").

Modules: `priors` (p(z)), `model` (encoder/posterior/prior/decoder), `train` (the step run by
the shared Trainer), `evaluate` (held-out (D, R) with SEs), `estimator` (presets, registration).
"""
