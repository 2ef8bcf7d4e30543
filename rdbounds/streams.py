"""Seed streams: every random draw of a job is named here, so no two draws share randomness.

A job has one integer seed. Its draws are made reproducible and independent by giving each
its own *stream*, a second integer: a sample batch is drawn with the pair `(seed, stream)`
(`Source.sample`, which folds in the split, train or test, as well), other randomness with
`sources.base.stateless_seed(seed, stream)`. Training batches use `(seed, step)`, so every
stream of training samples below is at least `2**20`, beyond any step count.

Streams only need to differ among draws of the same job and split; the values are otherwise
arbitrary, and changing one changes results (not their validity).
"""

# Training samples (split "train") with `(seed, stream)`; steps use `(seed, step)`, step < 2**20.
LOG_U_STANDARDIZATION = 2**20  # lower bound: loc/scale of log u's input
SOURCE_STANDARDIZATION = 2**21  # sources.rescaled: mean and scale of the standardized units
KMEANS = 2**22 + 1  # upper bound: the samples k-means clusters to start the mixture prior
LB_PROJECTION = 2**23  # lower bound: the samples whose principal directions lift the draws
TRAINING_POOL = 2**24  # sources.pooled: the pool training draws come from (chunks: +j)
CODEC_FIT = 1  # codecs: the samples a codec is fitted on (codecs train no steps)
SPEED_PROBE = 2**26  # lower bound: samples drawn only to time the machine (`machine_speed`)

# Held-out samples (split "test").
LB_EVALUATION = 7_919  # lower bound: the M evaluation draws of k samples
# wgd: the samples that decide whether to grow the particle count (batches: +i; finite data
# take them from the training split, also with this stream). Beyond the batch indices of
# the point's own held-out evaluation, which uses `(seed, i)`.
WGD_SCREENING = 2**25

# Other randomness, folded into a seed by `stateless_seed(seed, stream)`.
WGD_INITIAL_PARTICLES = 5  # wgd: the training samples the particles start at
WGD_SPLIT = 17  # wgd: the displacements of split particles when their count grows
UB_TRAINING_NOISE = 7  # upper bound: posterior samples in training, folded into (seed, step)
UB_EVALUATION_NOISE = 11  # upper bound: posterior samples in evaluation, into (seed, batch)
UB_REFINEMENT_NOISE = 13  # upper bound: posterior samples refining a held-out image's posterior
