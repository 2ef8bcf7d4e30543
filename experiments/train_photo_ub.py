r"""Trains the pretrained photo upper bound that ships as `data/photo_upper_bound.npz`.

  TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python experiments/train_photo_ub.py \
      --data=PHOTOS/train --validation=PHOTOS/validation --workdir=runs/photo_ub \
      --out=data/photo_upper_bound.npz

The model, its loss and the file: `rdbounds.upper.pretrained` (a variable-rate hyperprior
beta-VAE, one model for a grid of lambdas). The run checkpoints in `--workdir` and resumes
from it; `--export_only` writes `--out` from the latest checkpoint without training (e.g. to
ship a run stopped early); `--grey_from` adds another run's model as the file's model of grey
photographs. The recipe and training photographs of the shipped file are in
docs/photo_model.md.
"""

import os
import time

from absl import app
from absl import flags
import tensorflow as tf

from rdbounds.sources import images
from rdbounds.upper import pretrained

_DATA = flags.DEFINE_string("data", None, "Folder of training photographs (PNG/JPEG).")
_VALIDATION = flags.DEFINE_string(
    "validation", None, "Folder of validation photographs (held out from training; the "
    "source needs a held-out split, nothing here is fitted to it).")
_WORKDIR = flags.DEFINE_string("workdir", None, "Checkpoints and progress (resumed from).")
_OUT = flags.DEFINE_string("out", pretrained.SHIPPED, "The model file to write.")
_PRESET = flags.DEFINE_enum("preset", "default", sorted(pretrained.PRESETS), "Configuration.")
_STEPS = flags.DEFINE_integer("steps", None, "Override the preset's steps.")
_TRAIN_CROP = flags.DEFINE_integer("train_crop", None, "Override the preset's crop side.")
_BATCH = flags.DEFINE_integer("batch", None, "Override the preset's batch.")
_LR = flags.DEFINE_float("lr", None, "Override the preset's initial learning rate.")
_GRAY_FRACTION = flags.DEFINE_float(
    "gray_fraction", None, "Override the preset's share of crops made gray.")
_PROJECT_GRAY = flags.DEFINE_bool(
    "project_gray", None, "Override the preset: gray crops' distortion on the grey axis (the "
    "grey model's stages).")
_GREY_FROM = flags.DEFINE_string(
    "grey_from", None, "A model file of this script whose model codes grey photographs: "
    "written into --out beside this run's model.")
_ONLY_HYPERPRIOR = flags.DEFINE_bool(
    "train_only_hyperprior", None, "Override the preset: train the rate model alone.")
_INIT_FROM = flags.DEFINE_string(
    "init_from", None, "Start from the latest weights of another run's --workdir (fresh "
    "optimizer and schedule) unless --workdir has a checkpoint of its own.")
_UNTIL = flags.DEFINE_integer("until", None, "Stop at this step (the schedule still counts "
                              "to --steps), checkpointed: run again to continue.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of crops, levels, noise and initialization.")
_EXPORT_ONLY = flags.DEFINE_bool("export_only", False, "Write --out from the latest "
                                 "checkpoint of --workdir without training.")
_THREADS = flags.DEFINE_integer("threads", 0, "TF intra-op threads (0: TensorFlow's choice).")


def main(argv):
  del argv
  for name, flag in (("--data", _DATA), ("--validation", _VALIDATION), ("--workdir", _WORKDIR)):
    if not flag.value:
      raise app.UsageError(f"{name} is required")
  if _THREADS.value:
    tf.config.threading.set_intra_op_parallelism_threads(_THREADS.value)
  config_ = pretrained.PRESETS[_PRESET.value]
  overrides = {name: flag.value for name, flag in (
      ("steps", _STEPS), ("train_crop", _TRAIN_CROP), ("batch", _BATCH), ("lr", _LR),
      ("gray_fraction", _GRAY_FRACTION), ("project_gray", _PROJECT_GRAY),
      ("train_only_hyperprior", _ONLY_HYPERPRIOR))
                if flag.value is not None}
  config_ = config_.override(**overrides)
  started = time.time()
  source = images.ImageFolderSource(_DATA.value, crop=config_.train_crop,
                                    test_directory=_VALIDATION.value)
  files = source.num_files
  print(f"{files['train']} training photographs, {files['test']} validation; "
        f"{config_.steps} steps of {config_.batch} crops of {config_.train_crop} px", flush=True)
  until = 0 if _EXPORT_ONLY.value else _UNTIL.value
  model, result = pretrained.train(source, config_, _SEED.value, _WORKDIR.value,
                                   lambda line: print(line, flush=True), until,
                                   _INIT_FROM.value)
  if result.steps == 0:
    raise app.UsageError(f"{_WORKDIR.value} holds no checkpoint to export")
  grey_model, grey_metadata = (pretrained.load(_GREY_FROM.value) if _GREY_FROM.value
                               else (None, None))
  pretrained.save(_OUT.value, model, grey_model, grey_model_training=grey_metadata,
                  steps=result.steps, planned_steps=config_.steps,
                  init_from=_INIT_FROM.value,
                  config=config_.to_json(), seed=_SEED.value,
                  training_photographs=sorted(os.path.basename(p) for p in source.files["train"]),
                  seconds_this_run=round(time.time() - started))
  print(f"wrote {_OUT.value} ({os.path.getsize(_OUT.value) / 1e6:.1f} MB) at step "
        f"{result.steps}", flush=True)


if __name__ == "__main__":
  app.run(main)
