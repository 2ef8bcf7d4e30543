"""Evaluation refuses a C_k whose mode search did not converge."""

import pytest
import tensorflow as tf

from rdbounds.lower import evaluator
from rdbounds.lower.search_options import SearchOptions
from rdbounds.sources import make_source


def test_unconverged_search_raises_naming_the_iteration_cap():
  source = make_source("gaussian", dim=2)
  constant_u = lambda x: tf.zeros([tf.shape(x)[0]])
  with pytest.raises(evaluator.UnconvergedSearchError,
                     match=r"^lower bound: \d+ of 64 mode-search starts had not converged after "
                     r"--lb_max_iterations=1 at lambda=3; raise --lb_max_iterations \(the bound "
                     r"would be invalid\)$"):
    evaluator.evaluate(constant_u, source, 3.0, k=64, m=1,
                       search_options=SearchOptions(max_iterations=1))
  # With the default cap the same evaluation goes through.
  result = evaluator.evaluate(constant_u, source, 3.0, k=64, m=1)
  assert result.xi.shape == (1,)
