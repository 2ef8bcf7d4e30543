"""The (source, lambda) cases where the true R(D) is known, shared by the tightness benchmarks.

  gaussian2        N(0, I_2) at `gaussian_lambdas`
  deconvolution4   atoms + noise (n = 4, 16 atoms, s = 0.5) at lambda = n / (2 s^2) x
  deconvolution8   `multiples` (n = 8, 32 atoms, s = 0.6; exact for those lambdas), for each
                   atoms seed in `source_seeds`
"""

CASES = ("gaussian2", "deconvolution4", "deconvolution8")


def source_lambdas(cases, gaussian_lambdas, source_seeds, multiples):
  """Yields (source, lambda) for each case, in the order of the arguments (strings allowed)."""
  from rdbounds.sources import deconvolution  # pylint: disable=g-import-not-at-top
  from rdbounds.sources import make_source  # pylint: disable=g-import-not-at-top
  for case in cases:
    if case == "gaussian2":
      source = make_source("gaussian", dim=2)
      for lmbda in gaussian_lambdas:
        yield source, float(lmbda)
    elif case in ("deconvolution4", "deconvolution8"):
      options = deconvolution.BENCHMARK_SOURCES[f"deconv{case[-1]}"]
      for seed in source_seeds:
        source = make_source("deconvolution", seed=int(seed), **options)
        for multiple in multiples:
          yield source, float(multiple) * source.analytic.min_lambda
    else:
      raise ValueError(f"unknown case {case!r}; valid: {', '.join(CASES)}")
