"""--distribute: data parallel over two virtual CPU devices, on JAX and on TensorFlow.

Each case runs in a fresh process, because the device count is fixed when the backend starts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, numpy as np, keras
from toolkit.distribute import DistributionPlan
plan = DistributionPlan.create(enabled=True, per_replica_batch=16, learning_rate=1e-3)
keras.utils.set_random_seed(0)  # the same start every run: the check below is not left to chance
rng = np.random.default_rng(0)
x = rng.normal(size=(512, 8)).astype("float32"); y = (x[:, 0] > 0).astype("int64")
with plan.scope():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(plan.learning_rate), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
history = model.fit(x, y, batch_size=plan.global_batch, epochs=12, verbose=0)
print("RESULT " + json.dumps({"plan": plan.describe(), "accuracy": history.history["accuracy"],
                              "lr": float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))}))
"""


def run_script(backend: str, extra_env: dict) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, **extra_env}
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def check_plan(result: dict, strategy: str):
    plan = result["plan"]
    assert plan["strategy"] == strategy and plan["replicas"] == 2
    assert plan["global_batch"] == 32 and plan["per_replica_batch"] == 16
    assert plan["learning_rate"] == pytest.approx(2e-3) and result["lr"] == pytest.approx(2e-3)
    assert result["accuracy"][-1] > 0.7, "the distributed model must still learn"


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax not installed")
def test_jax_data_parallel_on_two_virtual_cpus():
    result = run_script("jax", {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    check_plan(result, "jax DataParallel")


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                    reason="tensorflow not installed")
@pytest.mark.slow
def test_tensorflow_mirrored_strategy_on_two_logical_cpus():
    result = run_script("tensorflow", {"KERASCOURSE_TF_CPU_DEVICES": "2"})
    check_plan(result, "tf MirroredStrategy")


def test_one_device_means_no_distribution(capsys):
    from toolkit.distribute import DistributionPlan

    plan = DistributionPlan.create(enabled=False, per_replica_batch=64, learning_rate=0.01)
    assert (plan.replicas, plan.global_batch, plan.learning_rate) == (1, 64, 0.01)
    assert plan.describe()["strategy"] == "none"
