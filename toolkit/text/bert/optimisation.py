"""Optimisation: AdamW with a schedule (:mod:`.schedules`), layer-wise AdamW, the precision
policy."""

from __future__ import annotations

import keras

from toolkit.text.bert.schedules import WarmupLinearDecay, make_schedule

__all__ = ["GradualUnfreezing", "LayerwiseAdamW", "WarmupLinearDecay", "default_precision",
           "make_optimizer", "resolve_precision"]

# --- Optimisation: schedule and layer-wise learning rates -----------------------------------

@keras.saving.register_keras_serializable(package="kerascourse")
class LayerwiseAdamW(keras.optimizers.AdamW):
    """AdamW with a learning-rate multiplier per variable (layer-wise learning-rate decay).

    Keras 3 optimizers have one learning rate for all variables. Scaling the *gradients* per
    layer would not help with Adam: it divides by the gradient's own running size, so the
    scale cancels. This class scales the learning rate inside each variable's update instead.
    The decoupled weight decay still uses the base rate (at 2e-5 x 0.01 per step it is tiny).

    With ``gated=True`` every variable also has a gate, 1 (learns) or 0 (frozen: no update,
    no weight decay), that :meth:`set_gates` changes between epochs without recompiling:
    this is how gradual unfreezing switches blocks on (:class:`GradualUnfreezing`).

    Args:
        lr_multipliers: ``{variable.path: multiplier}``; variables not listed get 1.
        gated: keep a gate per variable (default ``False``).
        **kwargs: everything ``keras.optimizers.AdamW`` takes.
    """

    def __init__(self, *args, lr_multipliers: dict[str, float] | None = None,
                 gated: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr_multipliers = dict(lr_multipliers or {})
        self.gated = gated

    def build(self, variables):
        if self.built:
            return
        paths = [variable.path for variable in variables]
        if len(set(paths)) != len(paths):
            raise ValueError("variable paths are not unique; give the layers distinct names")
        self._lr_scales = [float(self.lr_multipliers.get(path, 1.0)) for path in paths]
        self._gate_paths = paths
        super().build(variables)
        if self.gated:
            self._gates = self.add_variable(shape=(len(paths),), initializer="ones",
                                            dtype="float32", name="gates")

    def set_gates(self, gates: dict[str, float]) -> None:
        """Open (1) or close (0) variables by path; paths not listed keep their gate."""
        if not self.gated:
            raise ValueError("make the optimizer with gated=True to use gates")
        current = keras.ops.convert_to_numpy(self._gates).copy()
        for index, path in enumerate(self._gate_paths):
            if path in gates:
                current[index] = gates[path]
        self._gates.assign(current)

    def _gate(self, variable):
        return keras.ops.cast(self._gates[self._get_variable_index(variable)], variable.dtype)

    def update_step(self, gradient, variable, learning_rate):
        scale = self._lr_scales[self._get_variable_index(variable)]
        if scale != 1.0 or self.gated:
            learning_rate = keras.ops.cast(learning_rate, variable.dtype) * scale
        if self.gated:
            learning_rate = learning_rate * self._gate(variable)
        return super().update_step(gradient, variable, learning_rate)

    def _apply_weight_decay(self, variables):
        if not self.gated or self.weight_decay is None:
            return super()._apply_weight_decay(variables)
        for variable in variables:  # a closed gate stops the decay too: frozen means fixed
            if self._use_weight_decay(variable):
                rate = keras.ops.cast(self.learning_rate, variable.dtype) * keras.ops.cast(
                    self.weight_decay, variable.dtype) * self._gate(variable)
                variable.assign(variable - variable * rate)

    def get_config(self):
        return {**super().get_config(), "lr_multipliers": self.lr_multipliers,
                "gated": self.gated}


class GradualUnfreezing(keras.callbacks.Callback):
    """Opens more of the network each epoch through the optimizer's gates.

    Args:
        gates_for_epoch: ``epoch -> {variable.path: 0 or 1}``, e.g.
            ``lambda epoch: gradual_gates(model, backbone, epoch)``.
        describe: ``epoch -> str`` printed at the start of each epoch (optional).
    """

    def __init__(self, gates_for_epoch, describe=None):
        super().__init__()
        self.gates_for_epoch = gates_for_epoch
        self.describe = describe

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        if not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        optimizer.set_gates(self.gates_for_epoch(epoch))
        if self.describe:
            print(self.describe(epoch))


def make_optimizer(*, learning_rate: float, total_steps: int, warmup_fraction: float = 0.1,
                   weight_decay: float = 0.01, accumulate: int = 1,
                   lr_multipliers: dict[str, float] | None = None, gated: bool = False,
                   schedule: str = "linear", cycles: int = 2):
    """AdamW with the warm-up + linear-decay schedule, the usual BERT fine-tuning optimizer
    (``schedule``: another of :data:`.choices.SCHEDULES`, see :mod:`.schedules`).

    ``accumulate`` > 1 sums the gradients of that many batches before each update (the
    effective batch is ``accumulate`` times larger, memory stays the same). The schedule counts
    every batch, because Keras's optimizer counts every batch in ``iterations``.
    Biases and LayerNorm weights are excluded from weight decay, as in BERT.
    """
    rate = make_schedule(schedule, peak=learning_rate, total_steps=total_steps,
                         warmup_fraction=warmup_fraction, cycles=cycles)
    options = dict(learning_rate=rate, weight_decay=weight_decay,
                   gradient_accumulation_steps=accumulate if accumulate > 1 else None)
    optimizer = LayerwiseAdamW(lr_multipliers=lr_multipliers, gated=gated, **options) \
        if lr_multipliers or gated else keras.optimizers.AdamW(**options)
    optimizer.exclude_from_weight_decay(var_names=["bias", "beta", "gamma"])
    return optimizer


def resolve_precision(choice: str) -> str:
    """A ``--precision`` flag's value as it runs: ``"auto"`` becomes
    :func:`default_precision` (asked of the backend when needed, not when the flags are
    read), any other value stays."""
    return default_precision() if choice == "auto" else choice


def default_precision() -> str:
    """The fastest sensible precision for training on this machine.

    ``mixed_bfloat16`` where an accelerator is visible to the backend, and on the TensorFlow
    backend on a CPU with bfloat16 instructions (AVX-512 BF16 / AMX), where oneDNN's bfloat16
    kernels trained all-MiniLM-L6-v2 1.6x faster than float32 on the course's 2-core CPU
    (77 vs 49 samples/s at batch 32 x 32 tokens). JAX's CPU backend gained nothing from it
    (47 vs 48 samples/s), so everything else gets ``float32``. On an older GPU without
    bfloat16 (T4, V100) pass ``--precision mixed_float16`` instead.
    """
    from toolkit.environment import backend_devices, backend_name, cpu_has_bfloat16

    try:
        if backend_devices():
            return "mixed_bfloat16"
    except Exception:  # a broken driver is not worth failing the lab for
        return "float32"
    if backend_name() == "tensorflow" and cpu_has_bfloat16():
        return "mixed_bfloat16"
    return "float32"
