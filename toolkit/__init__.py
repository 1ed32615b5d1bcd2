"""kerascourse toolkit: the shared library behind the six labs.

Arrows point down only: ``labs`` -> the subpackages below -> the core -> keras, NumPy and
libraries. The toolkit never imports a lab, and no two modules import each other.

The core, one module one job:

- ``registry``: where every dataset / weight file comes from, and ``fetch`` to find or download it.
- ``resources``: the course's own files (syllabus, rubrics, templates, registry) and TOML reading.
- ``record``: ``record.json`` written atomically and read back.
- ``runs``: run folders and the record every lab fills (``Run.start`` ... ``Run.finish``).
- ``reflection``: the ``REFLECTION.md`` draft (``python -m toolkit.reflection RUN_DIR``).
- ``callbacks``: epoch timer, history recorder, learning-curve plotter, the default stack.
- ``metrics``: classification metrics (scikit-learn) and inference timing.
- ``error_analysis``: misclassified samples, most-confused pairs, ``errors.csv``.
- ``plots``: the figures (matplotlib, Agg backend, PNG).
- ``formats``: Markdown tables and number tests the reports share.
- ``environment``: hardware, backend and library versions for the record and ``check``.
- ``check``: ``python -m toolkit.check``, is this machine ready for the course.
- ``distribute``: ``--distribute``, data parallel training over the devices Keras sees.
- ``notebooks``: a lab as a Jupyter/Colab notebook (``python -m labs notebook``).
- ``cli``: the flags every lab shares and the clean exit on bad input; ``errors``: CourseError.
- ``seed``: one seed for Python, NumPy and the backend.

The subpackages:

- ``vision``: image data (MNIST, Fashion-MNIST), photos, Grad-CAM, model views (labs 1-3).
- ``text``: text data, processing, GloVe, BERT, error tags, text plots (labs 4-6).
- ``grading``: submissions, rubric, assessment, feedback and gradebook
  (``python -m toolkit.grade``, ``python -m toolkit.submit``: thin entry points kept at the top).
"""

import os as _os

__version__ = "0.1.0"

# TensorFlow prints pages of C++ start-up logs (CUDA probing, oneDNN notes) that bury the
# lab's own output; keep warnings and errors only, unless the user chose otherwise (the labs'
# entry point, labs.command_line, quiets the start-up further when the user did not).
# A program that imported the toolkit passes its default on to the labs it starts: the marker
# tells them the level was the toolkit's, not the user's.
TF_LOG_LEVEL_DEFAULT_MARK = "KERASCOURSE_TF_LOG_LEVEL_DEFAULT"
TF_LOG_LEVEL_CHOSEN_BY_USER = ("TF_CPP_MIN_LOG_LEVEL" in _os.environ
                               and _os.environ.get(TF_LOG_LEVEL_DEFAULT_MARK)
                               != _os.environ["TF_CPP_MIN_LOG_LEVEL"])
if not TF_LOG_LEVEL_CHOSEN_BY_USER:
    _os.environ["TF_CPP_MIN_LOG_LEVEL"] = _os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")
    _os.environ[TF_LOG_LEVEL_DEFAULT_MARK] = _os.environ["TF_CPP_MIN_LOG_LEVEL"]
