"""How ``python -m labs.<lab>`` starts a lab: flags first, Keras only when there is work.

Every lab is a package (``labs/lab03_cnn_mnist/``) whose ``__main__.py`` is one line::

    sys.exit(run_lab(__package__))

``run_lab`` reads the flags with the lab's ``settings.parse_args`` (a module that imports
no Keras, TensorFlow or JAX), so ``--help`` and a mistyped flag answer in about a second;
only then does it import the lesson (``lesson.py``, which loads Keras) and run its ``main``.
A lab with sub-commands (lab 6's ``predict``) names them in ``commands``: the first word
of the command line picks the module whose ``main(argv)`` runs instead of the lesson.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from toolkit.cli import run_main


def quiet_backend_logs() -> None:
    """Keep TensorFlow's C++ start-up lines (CUDA probes, oneDNN notes) off the screen.

    Set before Keras is first imported; a value the user set is kept.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def run_lab(package: str, argv: Sequence[str] | None = None,
            commands: dict[str, str] | None = None) -> int:
    """Run the lab ``package`` (``"labs.lab03_cnn_mnist"``) with ``argv`` (default: the
    command line) and return the exit code.

    Args:
        package: the lab's package name.
        argv: the arguments after the command (default ``sys.argv[1:]``).
        commands: sub-commands, ``{"predict": "labs.lab06_bert_finetune.predict"}``:
            ``python -m labs.lab06_bert_finetune predict ...`` runs that module's
            ``main(argv)`` with the words after ``predict``.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    quiet_backend_logs()
    if commands and argv and argv[0] in commands:
        command = importlib.import_module(commands[argv[0]])
        return run_main(command.main, argv[1:])
    settings = importlib.import_module(f"{package}.settings")
    try:  # --help and flag errors end here, before Keras loads
        code = run_main(lambda args: settings.parse_args(args) and 0, argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    if code:  # a value parse_args rejected (a CourseError): one line, exit code 2
        return code
    lesson = importlib.import_module(f"{package}.lesson")
    return run_main(lesson.main, argv)
