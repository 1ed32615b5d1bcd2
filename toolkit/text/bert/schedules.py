"""Learning-rate schedules for fine-tuning, chosen by name (``--schedule``).

- ``linear``: BERT's warm-up then linear decay to 0 (:class:`WarmupLinearDecay`).
- ``cosine-restarts``: the same warm-up, then ``cycles`` cosine decays, each starting again
  from the peak (Loshchilov & Hutter 2017, SGDR): a restart can shake the model out of a
  poor region, and each cycle's end is a well-settled model.
- ``plateau``: a constant rate that the ``ReduceLROnPlateau`` callback halves when the
  monitored metric stops improving; no warm-up (the callback must be able to set the rate).
"""

from __future__ import annotations

import math

import keras

from toolkit.text.bert.choices import SCHEDULES


@keras.saving.register_keras_serializable(package="kerascourse")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to ``peak`` over ``warmup_steps``, then linear decay to 0.

    The schedule of BERT (Devlin et al. 2019): warm-up keeps the first, noisy updates small
    while Adam's moment estimates settle.

    Args:
        peak: the highest learning rate (e.g. 2e-5).
        total_steps: optimizer steps of the whole training.
        warmup_steps: steps of the warm-up (e.g. 10% of ``total_steps``).
    """

    def __init__(self, peak: float, total_steps: int, warmup_steps: int):
        if total_steps < 1 or not 0 <= warmup_steps < total_steps:
            raise ValueError(f"need 0 <= warmup_steps < total_steps, got {warmup_steps}, "
                             f"{total_steps}")
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warm = self.peak * step / max(1, self.warmup_steps)
        decay = self.peak * (self.total_steps - step) / (self.total_steps - self.warmup_steps)
        return keras.ops.maximum(keras.ops.where(step < self.warmup_steps, warm, decay), 0.0)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps}


@keras.saving.register_keras_serializable(package="kerascourse")
class WarmupCosineRestarts(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up to ``peak``, then ``cycles`` equal cosine decays from ``peak`` to 0.

    Args:
        peak: the highest learning rate.
        total_steps: optimizer steps of the whole training.
        warmup_steps: steps of the warm-up.
        cycles: how many cosine decays share the steps after the warm-up (1: plain cosine).
    """

    def __init__(self, peak: float, total_steps: int, warmup_steps: int, cycles: int = 2):
        if total_steps < 1 or not 0 <= warmup_steps < total_steps or cycles < 1:
            raise ValueError(f"need 0 <= warmup_steps < total_steps and cycles >= 1, got "
                             f"{warmup_steps}, {total_steps}, {cycles}")
        self.peak, self.total_steps = float(peak), int(total_steps)
        self.warmup_steps, self.cycles = int(warmup_steps), int(cycles)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warm = self.peak * step / max(1, self.warmup_steps)
        cycle_length = (self.total_steps - self.warmup_steps) / self.cycles
        position = keras.ops.mod(keras.ops.maximum(step - self.warmup_steps, 0.0),
                                 cycle_length) / cycle_length
        cosine = 0.5 * self.peak * (1.0 + keras.ops.cos(math.pi * position))
        return keras.ops.where(step < self.warmup_steps, warm, cosine)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps, "cycles": self.cycles}


def make_schedule(name: str, *, peak: float, total_steps: int, warmup_fraction: float = 0.1,
                  cycles: int = 2):
    """The learning rate an optimizer takes for schedule ``name``: a schedule object, or
    for ``plateau`` the plain number ``peak`` (which ``ReduceLROnPlateau`` then lowers)."""
    if name not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {name!r}")
    if name == "plateau":
        return float(peak)
    warmup = int(warmup_fraction * total_steps)
    if name == "cosine-restarts":
        return WarmupCosineRestarts(peak, total_steps, warmup, cycles)
    return WarmupLinearDecay(peak, total_steps, warmup)
