"""The draws per seed M at which the lower bound's interval is known to hold its level.

`interval.confidence_interval` is exact for Gaussian xi only, and xi is skewed; how often
its low end lies at or below E[xi | alpha] (<= F, proven) is measured, not proven, by
`benchmarks/lb_coverage.py` (docs/method.md, "The confidence interval"). These are the M
where it was measured at 93% or more for the two-sided 95% interval, per kind of source. An
M above the largest measured one needs no measurement to be trusted more: both intervals'
coverage tends to the nominal level as M grows (the central limit theorem for Student-t,
second-order accuracy for bootstrap-t). Any other M still evaluates, and says so in one line.
"""

# kind of source -> the M measured (benchmarks/lb_coverage.py; docs/method.md's tables).
# Vectors: banana, the quick preset's trained log u, with the leave-one-out evaluator: M = 3,
# 4, 5, 8 (M = 6 and 10 fell below 93%); the known-u cases at M = 30 (split evaluator).
# Images: GAN d = 2, lambda 300, M = 3-8: the default preset's particles at k = 4096 with the
# split evaluator (alpha from M draws of its own), and the quick preset's at k = 1024 with
# leave-one-out (every M at or above its nominal level).
MEASURED_M = {"vectors": (3, 4, 5, 8, 30), "images": (3, 4, 5, 6, 8)}


def unmeasured_note(m: int, image: bool) -> str:
  """One warning line when the interval's coverage at `m` draws per seed is not measured
  for this kind of source, else ''."""
  kind = "images" if image else "vectors"
  measured = MEASURED_M[kind]
  if m in measured or m > max(measured):
    return ""
  return (f"warning: lower_bound: the 95% interval's coverage at M = {m} draws per seed is "
          f"not measured on {kind} (measured: M = {', '.join(map(str, measured))}, or any "
          f"M above {max(measured)}; docs/method.md, \"The confidence interval\"): its low end "
          f"may lie above E[xi] more often than 2.5% of the time")
