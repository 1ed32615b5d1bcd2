"""The flags every lab shares, and a clean exit for bad input.

A lab's ``main(argv)`` builds its parser with :func:`lab_parser`, adds its own flags,
and is started through :func:`run_main`, which turns a :class:`~toolkit.errors.CourseError`
into one line on stderr and exit code 2 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.safe_text import for_terminal

EXIT_BAD_INPUT = 2


def lab_parser(description: str, *, epochs: int | None = None, batch_size: int | None = None,
               seed: int = 42) -> argparse.ArgumentParser:
    """An argparse parser with the flags every lab shares.

    Args:
        description: the lab's one-paragraph summary (shown by ``--help``).
        epochs: default for ``--epochs``; ``None`` for labs that do not train.
        batch_size: default for ``--batch-size``; ``None`` to leave the flag out.
        seed: default for ``--seed``.
    """
    # `python -m labs.lab03_cnn_mnist` shows up as "lab03_cnn_mnist.py" by default: say the
    # command the student actually types.
    script = Path(sys.argv[0])
    prog = (f"python -m labs.{script.stem}" if script.parent.name == "labs" else
            f"python -m labs.{script.parent.name}"  # a lab package's __main__.py
            if script.name == "__main__.py" and script.parent.parent.name == "labs" else None)
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    parser.add_argument("--data-dir", default=os.environ.get("KERASCOURSE_DATA"),
                        help="extra folder searched for data files before downloading "
                             "(default $KERASCOURSE_DATA)")
    parser.add_argument("--no-save", action="store_true", help="do not write model.keras")
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks instead of one-line errors")
    return parser


def add_distribute_flag(parser) -> None:
    """Add ``--distribute`` to a lab's parser (see :mod:`toolkit.distribute`; kept here so
    a lab's settings read their flags without loading Keras)."""
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


def run_main(main: Callable[[Sequence[str] | None], int | None],
             argv: Sequence[str] | None = None) -> int:
    """Run ``main(argv)`` and turn a CourseError into one line and exit code 2.

    ``--debug`` anywhere in argv re-raises instead, so the traceback is shown.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
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
    except Exception:
        if "--debug" in argv:
            raise
        traceback.print_exc()
        return 1
