"""Reproducibility: one call seeds Python, NumPy and the active Keras backend."""

from __future__ import annotations


def seed_everything(seed: int) -> None:
    """Seed ``random``, NumPy and the backend through ``keras.utils.set_random_seed``.

    The same seed gives the same initial weights, shuffling and dropout masks on one
    machine and backend; GPU kernels may still differ in the last digits.
    """
    import keras

    keras.utils.set_random_seed(int(seed))
