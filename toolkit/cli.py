"""The flags every lab shares, and a clean exit for bad input.

A lab's ``settings.parse_args(argv)`` builds its parser with :func:`lab_parser`, adds its own
flags, and the lab is started through :func:`run_main`, which turns a
:class:`~toolkit.errors.CourseError` into one line on stderr and exit code 2 (``--debug``
shows the traceback). A mistyped flag is answered with the closest real one
(:class:`SuggestingParser`), and a ``--data-dir`` that does not exist is named at once.

This module is read before Keras loads (``--help`` answers in about a second), so it imports
only the standard library and other light toolkit modules.
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.out_of_memory import explain as explain_out_of_memory
from toolkit.out_of_memory import is_out_of_memory
from toolkit.safe_text import for_terminal

EXIT_BAD_INPUT = 2
DATA_ENV = "KERASCOURSE_DATA"


class SuggestingParser(argparse.ArgumentParser):
    """An ``argparse.ArgumentParser`` that answers a misspelt flag with the closest real one.

    ``--quik`` gives ``unrecognized argument --quik: did you mean --quick?`` (the course runs
    on Python 3.10+, whose argparse suggests nothing). Use it wherever a command reads flags:
    :func:`lab_parser` does.
    """

    def parse_known_args(self, args=None, namespace=None):
        self._unrecognized = []  # what this parse left over, for error() to name
        namespace, extras = super().parse_known_args(args, namespace)
        self._unrecognized = list(extras)
        return namespace, extras

    def error(self, message: str):
        unrecognized = getattr(self, "_unrecognized", [])
        if unrecognized and message.endswith(" ".join(unrecognized)):
            message = self.unrecognized_message(unrecognized)
        super().error(message)

    def unrecognized_message(self, words: list[str]) -> str:
        """``unrecognized argument --quik: did you mean --quick?`` (a hint per misspelt flag)."""
        # Compared without the dashes, which every flag shares and would make any two look alike.
        flags = {option.lstrip("-"): option for action in self._actions
                 for option in action.option_strings if option.startswith("--")}
        hints = []
        for word in words:
            if word.startswith("-"):
                close = difflib.get_close_matches(word.split("=", 1)[0].lstrip("-"), flags, n=1)
                hints += [flags[name] for name in close]
        message = f"unrecognized argument{'s' if len(words) > 1 else ''} {' '.join(words)}"
        return message + (f": did you mean {' and '.join(hints)}?" if hints else "")


def data_folder(text: str) -> str:
    """argparse type of ``--data-dir``: a folder that exists (its default may come from
    ``$KERASCOURSE_DATA``, so the message says where a wrong path came from)."""
    folder = Path(text).expanduser()
    if folder.is_dir():
        return str(folder)
    source = f" (the default, from ${DATA_ENV})" if text == os.environ.get(DATA_ENV) else ""
    fix = (f"set {DATA_ENV} to the folder that holds the course data, or unset it" if source
           else "pass the folder that holds the course data (e.g. ../shared/data)")
    raise argparse.ArgumentTypeError(f"{text}{source} is not a folder: {fix}")


def lab_parser(description: str, *, epochs: int | None = None, batch_size: int | None = None,
               seed: int = 42) -> argparse.ArgumentParser:
    """An argparse parser with the flags every lab shares.

    Args:
        description: the lab's one-paragraph summary (shown by ``--help``).
        epochs: default for ``--epochs``; ``None`` for labs that do not train.
        batch_size: default for ``--batch-size``; ``None`` to leave the flag out.
        seed: default for ``--seed``.
    """
    parser = SuggestingParser(
        prog=lab_command(sys.argv[0]), description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    if epochs is not None:
        parser.add_argument("--epochs", type=int, default=epochs,
                            help=f"training epochs (default {epochs})")
    if batch_size is not None:
        parser.add_argument("--batch-size", type=int, default=batch_size,
                            help=f"samples per gradient step (default {batch_size})")
    parser.add_argument("--seed", type=int, default=seed,
                        help=f"random seed for weights, shuffling and splits (default {seed})")
    parser.add_argument("--quick", action="store_true",
                        help="small data and 1-2 epochs: checks the whole lab in under a minute")
    parser.add_argument("--out", default="runs",
                        help="folder for run folders (default runs/); each run gets "
                             "runs/<lab>/<timestamp>/")
    parser.add_argument("--data-dir", type=data_folder, default=os.environ.get(DATA_ENV) or None,
                        help="extra folder searched for data files before downloading "
                             f"(default ${DATA_ENV})")
    parser.add_argument("--no-save", action="store_true", help="do not write model.keras")
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks instead of one-line errors")
    return parser


def lab_command(script: str) -> str | None:
    """What the student typed to start the lab whose script is ``script`` (``sys.argv[0]``):
    ``python -m labs.lab03_cnn_mnist`` rather than argparse's "__main__.py"."""
    path = Path(script)
    if path.name == "__main__.py" and path.parent.parent.name == "labs":  # a lab package
        return f"python -m labs.{path.parent.name}"
    if path.parent.name == "labs" and path.stem.startswith("lab"):  # a lab module
        return f"python -m labs.{path.stem}"
    return None


def add_distribute_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--distribute`` (see :mod:`toolkit.distribute`) to a lab's parser; it lives with
    the other flags so a lab's settings read it without loading Keras."""
    parser.add_argument(
        "--distribute", action="store_true",
        help="data parallel over all visible GPUs (JAX DataParallel / TF MirroredStrategy); "
             "--batch-size is then per device and the learning rate scales with the devices")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, with a message that says so."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _tolerant_streams() -> list[tuple[object, str]]:
    """Make stdout and stderr show what they cannot encode as escapes (a lone surrogate from
    a file name, an "ë" on an ASCII terminal) rather than raise: one odd character in a name
    must not stop a command. Returns what to restore."""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if errors in ("strict", None) and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError, io.UnsupportedOperation):  # closed or detached
                continue
            changed.append((stream, errors or "strict"))
    return changed


def run_main(main: Callable[[Sequence[str] | None], int | None],
             argv: Sequence[str] | None = None) -> int:
    """Run ``main(argv)`` and turn a CourseError into one line and exit code 2.

    ``--debug`` anywhere in argv re-raises instead, so the traceback is shown. While it runs,
    stdout and stderr show a character they cannot encode as an escape, never raise.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    changed = _tolerant_streams()
    try:
        return _run(main, argv)
    finally:
        for stream, errors in changed:
            try:
                stream.reconfigure(errors=errors)
            except (ValueError, OSError, io.UnsupportedOperation):
                pass


def _run(main, argv: list[str]) -> int:
    try:
        return int(main(argv) or 0)
    except CourseError as error:
        if "--debug" in argv:
            raise
        # The message may quote a file name or a value someone else wrote: show, don't obey.
        print(f"error: {for_terminal(error.message, keep_newlines=False)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted: the run folder keeps what was written so far; training resumes "
              "from the last epoch when you run the same command again.", file=sys.stderr)
        return 130
    except Exception as error:
        if "--debug" in argv:
            raise
        if is_out_of_memory(error):  # the fixes, not an allocator's traceback
            print(f"error: {explain_out_of_memory(error)}", file=sys.stderr)
            return 1
        traceback.print_exc()
        return 1
