"""The settings cell of a lab notebook: every flag of the lab as an editable variable.

The flags are read from the lab's own ``parse_args(argv)`` (the parser it builds), so the
notebook and ``python -m labs.<lab> --help`` cannot disagree. The cell turns the variables
back into the ``ARGS`` list that the lesson's first cell hands to ``parse_args``::

    QUICK = True            # --quick: small data and 1-2 epochs ...
    EPOCHS = None           # --epochs: training epochs (default 15 ...)
    ...
    ARGS = [...]            # what python -m labs.<lab> would have been given
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Names the generated cells define themselves; a lab flag must not turn into one of them.
NOTEBOOK_NAMES = {"ARGS", "KERAS_BACKEND", "KERASCOURSE_REPO"}
# Flags that make no sense in a notebook: a failing cell already shows its traceback.
SKIPPED_FLAGS = {"help", "debug"}
COMMENT_COLUMN = 24
LINE_WIDTH = 100


class FlagProblem(ValueError):
    """A flag the notebook cannot turn into a variable: ``what`` is wrong, ``fix`` says how."""

    def __init__(self, what: str, fix: str):
        super().__init__(what)
        self.what, self.fix = what, fix


@dataclass
class Flag:
    """One command-line flag of a lab, as a notebook variable."""

    option: str      # "--batch-size"
    variable: str    # "BATCH_SIZE"
    kind: str        # "switch" (on/off), "value", "values" (nargs), "optional" (nargs="?"
                     # with a const: True gives the flag alone) or "repeat" (append)
    comment: str     # the flag's help text, with its default


def capture_parser(parse_args: Callable) -> argparse.ArgumentParser:
    """The parser a lab's ``parse_args(argv)`` builds.

    ``parse_args`` is a lab's only public view of its flags, so the parser is caught at the
    moment the lab asks it to parse, before the lab does anything with the result.
    """

    class Caught(Exception):
        pass

    caught: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.parse_args

    def catch(self, args=None, namespace=None):
        caught.append(self)
        raise Caught

    argparse.ArgumentParser.parse_args = catch
    try:
        parse_args([])
    except Caught:
        pass
    finally:
        argparse.ArgumentParser.parse_args = original
    if not caught:
        raise ValueError("parse_args(argv) did not call ArgumentParser.parse_args")
    return caught[0]


def lab_flags(parse_args: Callable) -> list[Flag]:
    """The flags ``parse_args`` reads, in ``--help`` order, as notebook variables.

    Raises:
        FlagProblem: the flags cannot be read, or one cannot become a variable.
    """
    try:
        parser = capture_parser(parse_args)
    except Exception as error:
        raise FlagProblem(f"its flags could not be read from parse_args(argv): {error}",
                          "build the parser with toolkit.cli.lab_parser(...) and return "
                          "parser.parse_args(argv)") from error
    flags = []
    for action in parser._actions:  # argparse keeps no public list of its actions
        if action.dest in SKIPPED_FLAGS or isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            raise FlagProblem(f"its positional argument {action.dest!r} cannot be a notebook "
                              "variable", "make it a flag (--name VALUE)")
        option = max(action.option_strings, key=len)
        if isinstance(action, argparse.BooleanOptionalAction):
            raise FlagProblem(f"{option} is a --flag/--no-flag pair, which the notebook "
                              "cannot set", "use action='store_true'")
        if action.nargs == 0:
            kind = "switch"
        elif isinstance(action, argparse._AppendAction):
            kind = "repeat"
        elif action.nargs == "?" and action.const is not None:
            kind = "optional"
        elif action.nargs is not None and action.nargs != "?":
            kind = "values"
        else:
            kind = "value"
        variable = action.dest.upper()
        if variable in NOTEBOOK_NAMES:
            raise FlagProblem(f"{option} would become the variable {variable}, which the "
                              "notebook defines itself", "rename the flag")
        if any(flag.variable == variable for flag in flags):
            continue  # an alias with the same dest (--lr for --learning-rate): one variable
        flags.append(Flag(option, variable, kind, flag_comment(option, action)))
    return flags


def flag_comment(option: str, action: argparse.Action) -> str:
    """The flag's help text as a comment, with its choices and default."""
    help_text = " ".join((action.help or "").split()).replace("%%", "%")
    if action.choices:
        help_text = "{" + ",".join(map(str, action.choices)) + "} " + help_text
    if (action.default not in (None, False, argparse.SUPPRESS) and "default" not in help_text
            and action.nargs != 0):
        help_text += f" (default {action.default})"
    if action.nargs == "?" and action.const is not None:
        help_text += f"; True = {option} alone ({action.const})"
    return f"{option}: {help_text}".strip().rstrip(":")


def _comment_lines(assignment: str, comment: str) -> list[str]:
    """``NAME = value  # comment``, the comment aligned and wrapped under itself."""
    column = max(COMMENT_COLUMN, len(assignment) + 2)
    wrapped = textwrap.wrap(comment, max(30, LINE_WIDTH - column - 2)) or [""]
    lines = [f"{assignment:<{column}}# {wrapped[0]}"]
    lines += [f"{'':<{column}}# {part}" for part in wrapped[1:]]
    return lines


def settings_code(command: str, flags: list[Flag], values: dict[str, Any]) -> str:
    """The settings cell: one variable per flag, then ``ARGS`` built from them.

    Args:
        command: the lab's module, as in ``python -m <command>``.
        flags: the lab's flags (:func:`lab_flags`).
        values: every variable's starting value, ``KERAS_BACKEND`` included.
    """
    lines = [
        "# Settings: edit the values, then run every cell from the top (Jupyter: Run > Run All",
        "# Cells; Colab: Runtime > Run all). None keeps the lab's default. Each variable is",
        f"# one flag of: python -m {command} --help",
        "import os",
        "",
        *_comment_lines(f"KERAS_BACKEND = {values['KERAS_BACKEND']!r}"
                        if values.get("KERAS_BACKEND") else
                        'KERAS_BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")',
                        '"tensorflow", "jax" or "torch"'),
        "",
    ]
    # --quick first: it is the one a student changes most.
    for flag in sorted(flags, key=lambda flag: flag.option != "--quick"):
        lines += _comment_lines(f"{flag.variable} = {values[flag.variable]!r}", flag.comment)
    switches = [f for f in flags if f.kind == "switch"]
    valued = [f for f in flags if f.kind in ("value", "values", "optional")]
    repeated = [f for f in flags if f.kind == "repeat"]
    lines += [
        "",
        "# Keras reads KERAS_BACKEND once, when it is first imported (in the next cell).",
        'os.environ["KERAS_BACKEND"] = KERAS_BACKEND',
        "ARGS = []",
    ]
    if switches:
        pairs = ", ".join(f'("{f.option}", {f.variable})' for f in switches)
        lines += [f"for flag, on in [{pairs}]:", "    if on:", "        ARGS.append(flag)"]
    if valued:
        pairs = ",\n                    ".join(f'("{f.option}", {f.variable})' for f in valued)
        lines += [f"for flag, value in [{pairs}]:"]
        if any(f.kind == "optional" for f in valued):
            lines += ["    if value is True:  # a flag whose value may be left out",
                      "        ARGS.append(flag)",
                      "    elif value is not None:  # a list gives several values: --flag A B"]
        else:
            lines += ["    if value is not None:  # a list gives several values: --flag A B"]
        lines += ["        ARGS += [flag, *map(str, value if isinstance(value, (list, tuple)) "
                  "else [value])]"]
    if repeated:
        pairs = ", ".join(f'("{f.option}", {f.variable})' for f in repeated)
        lines += [f"for flag, values in [{pairs}]:  # repeatable: --flag A --flag B",
                  "    for value in values or []:", "        ARGS += [flag, str(value)]"]
    lines += ["", "import shlex",
              f'print("Same as: python -m {command}", shlex.join(ARGS))']
    return "\n".join(lines)
