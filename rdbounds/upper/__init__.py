"""Upper bound on R(D): a beta-VAE evaluated on held-out data (docs/method.md, "Upper bound").

Two models under the one estimator `upper_bound` (`estimator.run` picks by config class):
  * one latent vector per sample (vector sources, image samples): `config` (options,
    presets, registration), `vector_bound` (train and evaluate), `model` (encoder, posterior,
    prior, decoder), `priors`, `conv` (the conv beta-VAE), `kmeans`, `evaluate`;
  * a latent map (photographs): `spatial_config`, `spatial_bound`, `spatial` (the model),
    `tradeoff` (lambda per pixel), `refine`, `whole_images`.
Both: `options` (shared training options), `train` (the step run by the shared Trainer).
"""
