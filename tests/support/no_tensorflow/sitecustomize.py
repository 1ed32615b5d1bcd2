"""Make ``import tensorflow`` fail, to prove a lab runs on a machine without TensorFlow.

Use: ``PYTHONPATH=tests/support/no_tensorflow KERAS_BACKEND=jax python -m labs.lab03_cnn_mnist --quick``
(the tests do the same in a subprocess). Any TensorFlow package (tensorflow, tensorflow_text,
tensorflow_datasets, tf_keras) raises ImportError exactly as when it is not installed.
"""

import importlib.abc
import sys

BLOCKED = ("tensorflow", "tensorflow_text", "tensorflow_datasets", "tf_keras")


class _BlockTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named '{name}' (blocked for this test)",
                                      name=name)
        return None


sys.meta_path.insert(0, _BlockTensorFlow())
