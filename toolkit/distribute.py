"""Data parallelism over every visible accelerator: ``--distribute`` on the training labs.

Each accelerator (a *replica*) holds a copy of the model and gets a slice of every batch;
their gradients are averaged, so one step sees ``global batch = per-replica batch x replicas``
samples. A bigger batch takes fewer steps per epoch, so the learning rate is scaled by the
number of replicas (the linear scaling rule of Goyal et al. 2017) to keep the same progress.

How each backend does it:

- JAX: Keras's own distribution API, ``keras.distribution.DataParallel`` over all devices.
- TensorFlow: ``tf.distribute.MirroredStrategy``; the model must be built and compiled inside
  ``plan.scope()``.
- PyTorch: Keras has no data-parallel API for torch yet; the lab runs on one device and says so.

When is it worth it? With two or more GPUs and a model big enough that one step takes more than
a few milliseconds (lab 3 with the full data set, lab 5, lab 6). Small models on small batches
(lab 2) spend more time exchanging gradients than computing them.

Example:
    >>> plan = DistributionPlan.create(enabled=args.distribute, per_replica_batch=64,
    ...                                learning_rate=1e-3)
    >>> with plan.scope():
    ...     model = build_model()
    ...     model.compile(optimizer=keras.optimizers.Adam(plan.learning_rate), ...)
    >>> model.fit(x, y, batch_size=plan.global_batch)
    >>> run.record["hyperparameters"]["distribution"] = plan.describe()

On a CPU you can try it with two virtual devices:
    XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax python -m labs.lab03_cnn_mnist --quick --distribute
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

TF_CPU_DEVICES_ENV = "KERASCOURSE_TF_CPU_DEVICES"  # split the CPU into N logical devices (tests)


@dataclass
class DistributionPlan:
    """How one run spreads its batches over devices.

    Attributes:
        replicas: devices that each take a slice of the batch (1 = no distribution).
        per_replica_batch: samples per device per step.
        base_learning_rate: the single-device learning rate.
        strategy: ``"none"``, ``"jax DataParallel"`` or ``"tf MirroredStrategy"``.
        devices: the device names used.
        note: why distribution is off, when it was asked for but cannot run.
    """

    replicas: int = 1
    per_replica_batch: int = 32
    base_learning_rate: float = 1e-3
    strategy: str = "none"
    devices: list[str] = field(default_factory=list)
    note: str = ""
    _tf_strategy: object = None

    @property
    def global_batch(self) -> int:
        return self.per_replica_batch * self.replicas

    @property
    def learning_rate(self) -> float:
        """The base learning rate scaled linearly with the number of replicas."""
        return self.base_learning_rate * self.replicas

    @classmethod
    def create(cls, *, enabled: bool, per_replica_batch: int,
               learning_rate: float) -> DistributionPlan:
        """Plan data parallelism over all devices of the active backend (if ``enabled``)."""
        # Keras is imported here, not at the top: a lab's settings module imports
        # add_distribute_flag from here before Keras loads (so --help answers in a second).
        import keras

        plan = cls(per_replica_batch=per_replica_batch, base_learning_rate=learning_rate)
        if not enabled:
            return plan
        backend = keras.config.backend()
        if backend == "jax":
            devices = keras.distribution.list_devices()
            if len(devices) > 1:
                keras.distribution.set_distribution(
                    keras.distribution.DataParallel(devices=devices))
                plan.replicas, plan.devices, plan.strategy = len(devices), devices, \
                    "jax DataParallel"
        elif backend == "tensorflow":
            import tensorflow as tf

            strategy = tf.distribute.MirroredStrategy(devices=_tf_devices(tf))
            if strategy.num_replicas_in_sync > 1:
                plan._tf_strategy = strategy
                plan.replicas = strategy.num_replicas_in_sync
                plan.devices = list(strategy.extended.worker_devices)
                plan.strategy = "tf MirroredStrategy"
        else:
            plan.note = (f"--distribute is not supported on the {backend} backend by Keras yet: "
                         "running on one device (use KERAS_BACKEND=jax or tensorflow)")
        if plan.replicas == 1 and not plan.note:
            plan.note = "--distribute asked for, but only one device is visible: running on it"
        if plan.note:
            print(f"note: {plan.note}")
        else:
            print(f"Data parallel over {plan.replicas} devices ({plan.strategy}): global batch "
                  f"{plan.global_batch}, learning rate {plan.learning_rate:g} "
                  f"({plan.replicas} x {plan.base_learning_rate:g})")
        return plan

    def scope(self):
        """Build and compile the model inside this context (needed by MirroredStrategy)."""
        if self._tf_strategy is not None:
            return self._tf_strategy.scope()
        return contextlib.nullcontext()

    def describe(self) -> dict:
        """The record's ``hyperparameters["distribution"]`` entry."""
        return {"strategy": self.strategy, "replicas": self.replicas, "devices": self.devices,
                "per_replica_batch": self.per_replica_batch, "global_batch": self.global_batch,
                "base_learning_rate": self.base_learning_rate,
                "learning_rate": self.learning_rate, "note": self.note}

    def close(self) -> None:
        """Undo the global JAX distribution so later models in the process run normally."""
        if self.strategy == "jax DataParallel":
            import keras

            keras.distribution.set_distribution(None)


def _tf_devices(tf) -> list[str] | None:
    """GPUs when there are any; else logical CPUs (set up with KERASCOURSE_TF_CPU_DEVICES)."""
    import os

    # Physical device queries do not start the TF runtime; logical ones do, after which the
    # CPU can no longer be split. So split first, then list.
    if tf.config.list_physical_devices("GPU"):
        return [d.name for d in tf.config.list_logical_devices("GPU")]
    wanted = int(os.environ.get(TF_CPU_DEVICES_ENV, "0") or 0)
    cpus = tf.config.list_physical_devices("CPU")
    if wanted > 1 and cpus:
        try:
            tf.config.set_logical_device_configuration(
                cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(wanted)])
        except RuntimeError:
            pass  # TF already initialised: keep the devices it has
    logical = tf.config.list_logical_devices("CPU")
    return [d.name for d in logical] if len(logical) > 1 else None


def add_distribute_flag(parser) -> None:
    """Add ``--distribute`` to a lab's parser."""
    parser.add_argument(
        "--distribute", action="store_true",
        help="data parallel over all visible GPUs (JAX DataParallel / TF MirroredStrategy); "
             "--batch-size is then per device and the learning rate scales with the devices")
