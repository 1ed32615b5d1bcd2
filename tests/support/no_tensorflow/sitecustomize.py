"""Hide TensorFlow, to prove a lab runs on a machine without it.

Use: ``PYTHONPATH=tests/support/no_tensorflow KERAS_BACKEND=jax python -m labs.lab03_cnn_mnist --quick``
(the tests do the same in a subprocess). Any TensorFlow package (tensorflow, tensorflow_text,
tensorflow_datasets, tf_keras) looks exactly as when it is not installed: ``import tensorflow``
raises ModuleNotFoundError and ``importlib.util.find_spec("tensorflow")`` returns ``None``.
The second matters: PyTorch asks ``find_spec`` about TensorFlow when it loads, and must get
"absent", not an error.
"""

import importlib.abc
import sys

BLOCKED = ("tensorflow", "tensorflow_text", "tensorflow_datasets", "tf_keras")


class _WithoutTensorFlow(importlib.abc.MetaPathFinder):
    """Stands in for the finders of ``sys.meta_path``: asks them about every module except
    the blocked ones, for which no finder is asked (so none can find them)."""

    def __init__(self, finders):
        self._finders = list(finders)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            return None
        for finder in self._finders:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                return spec
        return None

    def invalidate_caches(self):
        for finder in self._finders:
            if hasattr(finder, "invalidate_caches"):
                finder.invalidate_caches()

    def find_distributions(self, *args, **kwargs):  # importlib.metadata asks this
        for finder in self._finders:
            if hasattr(finder, "find_distributions"):
                yield from finder.find_distributions(*args, **kwargs)


sys.meta_path[:] = [_WithoutTensorFlow(sys.meta_path)]
