"""Particle training: resume after an interruption, BA weight updates."""

import os

import numpy as np

from rdbounds.particles import config
from rdbounds.particles import trainer
from rdbounds.sources import make_source

TINY = config.WGDConfig(particles=64, steps=40, batch=128, weight_updates_every=3,
                        checkpoint_every=10, steps_per_call=7, log_every=1000)


def test_interrupted_run_resumes_to_the_same_particles(tmp_path):
  source = make_source("deconvolution", dim=3, atoms=4, noise_std=0.5, seed=0)
  whole, _ = trainer.train(source, TINY, 10.0, seed=1, workdir=str(tmp_path / "whole"),
                           log=lambda line: None)
  workdir = str(tmp_path / "resumed")
  trainer.train(source, TINY, 10.0, seed=1, workdir=workdir, log=lambda line: None, until=20)
  lines = []
  resumed, result = trainer.train(source, TINY, 10.0, seed=1, workdir=workdir, log=lines.append)
  assert result.resumed_from == 20 and result.steps == 40
  assert any("resumed from checkpoint at step 20" in line for line in lines)
  np.testing.assert_array_equal(resumed.particles.numpy(), whole.particles.numpy())
  np.testing.assert_array_equal(resumed.log_weights.numpy(), whole.log_weights.numpy())
  assert os.path.isdir(os.path.join(workdir, "ckpt"))


def test_weight_updates_give_each_atom_its_probability():
  # Well separated atoms, each drawn with probability 1/4. Particles start at samples, so the
  # atoms get unequal numbers of them: with uniform weights the mass near an atom is its share
  # of particles; Blahut-Arimoto weights move it to the atom's probability.
  source = make_source("deconvolution", dim=3, atoms=4, noise_std=0.3, seed=0)
  spread = np.min([np.linalg.norm(a - b) for i, a in enumerate(source.atoms)
                   for b in source.atoms[i + 1:]])
  assert spread > 10 * source.noise_std

  def mass_per_atom(measure):
    y = measure.particles.numpy()
    nearest = np.argmin(np.linalg.norm(y[:, None] - source.atoms[None], axis=-1), axis=1)
    weights = np.exp(measure.log_weights.numpy().astype(np.float64))
    return np.bincount(nearest, weights, minlength=4)

  base = config.WGDConfig(particles=16, steps=150, batch=256, log_every=1000)
  uniform, _ = trainer.train(source, base, 20.0, seed=0, log=lambda line: None)
  updated, _ = trainer.train(source, base.override(weight_updates_every=1), 20.0, seed=0,
                             log=lambda line: None)
  assert np.abs(mass_per_atom(uniform) - 0.25).max() > 0.1  # 16 particles fell unevenly
  np.testing.assert_allclose(mass_per_atom(updated), 0.25, atol=0.03)
