"""The shared training loop: deterministic resume, NaN stop, compiled draws."""

import os

import tensorflow as tf

from rdbounds import training
from rdbounds.sources import BananaSource, Source


class _NaNSource(Source):
  """Data that have turned NaN (e.g. a broken preprocessing step)."""
  name, event_shape = "nan", (2,)

  def _sample(self, batch_size, seed, split):
    return tf.fill([batch_size, 2], float("nan"))


def _problem(learning_rate=1e-2):
  """Fits a shift to banana samples: small, but with real data, Adam state and a schedule."""
  shift = tf.Variable([0.0, 0.0])
  optimizer = tf.keras.optimizers.Adam(learning_rate)
  optimizer.build([shift])

  def one_step(step, batch):
    del step
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(tf.square(batch - shift))
    gradients = tape.gradient(loss, [shift])
    training.apply_gradients_if_finite(optimizer, loss, gradients, [shift], clip_norm=10.0)
    return {"loss": loss}

  return shift, optimizer, one_step


class TrainerTest(tf.test.TestCase):

  def _trainer(self, num_steps, workdir, source=None, learning_rate=0.05):
    shift, optimizer, one_step = _problem(learning_rate)
    trainer = training.Trainer(
        one_step, {"shift": shift, "optimizer": optimizer}, source or BananaSource(), 32,
        seed=3, num_steps=num_steps, workdir=workdir, checkpoint_every=40, steps_per_call=15,
        log=lambda line: None)
    return trainer, shift

  def test_stopped_and_resumed_run_equals_uninterrupted_run(self):
    whole, whole_shift = self._trainer(120, os.path.join(self.get_temp_dir(), "whole"))
    whole.run()
    resumed_dir = os.path.join(self.get_temp_dir(), "resumed")
    first, _ = self._trainer(80, resumed_dir)
    first.run()
    second, second_shift = self._trainer(120, resumed_dir)
    result = second.run()
    self.assertEqual(result.resumed_from, 80)
    self.assertAllEqual(whole_shift, second_shift)
    # And it learned: the shift approaches the banana's mean.
    self.assertAllClose(whole_shift, [0.22, 1.45], atol=0.3)

  def test_non_finite_loss_stops_and_keeps_last_checkpoint(self):
    workdir = os.path.join(self.get_temp_dir(), "nan")
    trainer, shift = self._trainer(80, workdir)
    trainer.run()
    good = shift.numpy()
    # Same run continued on data that turn NaN: the update is skipped and the run stops.
    trainer, shift = self._trainer(200, workdir, source=_NaNSource())
    with self.assertRaisesRegex(training.TrainingDiverged, "non-finite.*last good checkpoint"):
      trainer.run()
    self.assertAllEqual(shift, good)  # No NaN update was applied.
    self.assertTrue(tf.train.latest_checkpoint(os.path.join(workdir, "ckpt")).endswith("-80"))

  def test_compiled_draws_equal_eager_draws(self):
    source = BananaSource()
    chunk = training.sample_chunk(source, 16, 5, seed=11, first_step=40)
    for i in range(5):
      self.assertAllClose(chunk[i], source.sample(16, seed=(11, 40 + i)), atol=1e-6)


if __name__ == "__main__":
  tf.test.main()
