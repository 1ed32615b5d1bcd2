"""kerascourse toolkit: the shared library behind the six labs.

One module, one job:

- ``registry``: where every dataset / weight file comes from, and ``fetch`` to find or download it.
- ``image_data``, ``text_data``, ``glove``, ``photos``: loaders that return NumPy arrays.
- ``callbacks``: epoch timer, history recorder, learning-curve plotter, the default stack.
- ``runs``: run folders and the ``record.json`` every lab writes.
- ``environment``: hardware, backend and library versions for the record and ``check``.
- ``metrics``: classification metrics (scikit-learn) and inference timing.
- ``error_analysis``: misclassified samples, most-confused pairs, ``errors.csv``.
- ``plots``: the figures (matplotlib, Agg backend, PNG).
- ``reflection``: the ``REFLECTION.md`` draft.
- ``check``: ``python -m toolkit.check``, is this machine ready for the course.
- ``cli``: the flags every lab shares and the clean exit on bad input.
"""

import os as _os

__version__ = "0.1.0"

# TensorFlow prints pages of C++ start-up logs (CUDA probing, oneDNN notes) that bury the
# lab's own output; keep warnings and errors only, unless the user chose otherwise.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
