"""How ``python -m labs.<lab>`` starts a lab: flags first, Keras only when there is work.

Every lab is a package (``labs/lab03_cnn_mnist/``) whose ``__main__.py`` is one line::

    sys.exit(run_lab(__package__))

``run_lab`` reads the flags with the lab's ``settings.parse_args`` (a module that imports
no Keras, TensorFlow or JAX), so ``--help`` and a mistyped flag answer in about a second;
only then does it import the lesson (``lesson.py``, which loads Keras) and run its ``main``.
A lab with sub-commands (lab 6's ``predict``) names them in ``commands``: the first word
of the command line picks the module whose ``main(argv)`` runs instead of the lesson.
TensorFlow's start-up logs are kept off the screen (:func:`quiet_backend_logs`,
:func:`startup_notes_dropped`), so the lab's own output comes first.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
from collections.abc import Sequence

import toolkit
from toolkit.cli import run_main

# What TensorFlow's C++ libraries print while they load, before their logging is set up, so
# that TF_CPP_MIN_LOG_LEVEL does not reach it: absl's banner ("WARNING: All log messages
# before absl::InitializeLog() is called are written to STDERR") and INFO lines ("I0000 ...
# port.cc:153] oneDNN custom operations are on", "cudart_stub.cc:31] Could not find cuda
# drivers", "cpu_feature_guard.cc:227] This TensorFlow binary is optimized..." and its second
# line). Notes about the build, nothing a student can or must act on.
STARTUP_NOTE = re.compile(r"WARNING: All log messages before absl::InitializeLog\(\)"
                          r"|I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "
                          r"|To enable the following instructions: .* rebuild TensorFlow")


def quiet_backend_logs() -> None:
    """Keep TensorFlow's C++ logs off the screen: ``TF_CPP_MIN_LOG_LEVEL=3``, set before Keras
    is first imported.

    Level 3 also hides the ``E0000 ... failed call to cuInit`` line every run prints on a
    machine without a GPU. No real error of the lab is lost with it: TensorFlow reports those
    as Python exceptions, which the lab shows (``python -m toolkit.check`` says which GPUs the
    backend sees). A level the user chose is kept.
    """
    if not toolkit.TF_LOG_LEVEL_CHOSEN_BY_USER:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        os.environ[toolkit.TF_LOG_LEVEL_DEFAULT_MARK] = "3"  # still ours, not the user's


@contextlib.contextmanager
def startup_notes_dropped():
    """While the lesson loads Keras: drop TensorFlow's start-up notes (:data:`STARTUP_NOTE`).

    They are written straight to the process's standard error (file descriptor 2), not
    through Python, so fd 2 goes to a temporary file meanwhile; afterwards every line that is
    not such a note (a warning, an error, a traceback) is written back to the screen. With
    ``TF_CPP_MIN_LOG_LEVEL=0`` (the user asked for TensorFlow's INFO logs) nothing is dropped.
    """
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") in ("", "0"):
        yield
        return
    sys.stderr.flush()
    screen = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(screen, 2)
            os.close(screen)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not STARTUP_NOTE.match(line)))
            sys.stderr.flush()


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
        with startup_notes_dropped():
            command = importlib.import_module(commands[argv[0]])
        return run_main(command.main, argv[1:])
    settings = importlib.import_module(f"{package}.settings")
    try:  # --help and flag errors end here, before Keras loads
        code = run_main(lambda args: settings.parse_args(args) and 0, argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    if code:  # a value parse_args rejected (a CourseError): one line, exit code 2
        return code
    with startup_notes_dropped():
        lesson = importlib.import_module(f"{package}.lesson")
    return run_main(lesson.main, argv)
