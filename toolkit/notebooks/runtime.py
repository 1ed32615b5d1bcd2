"""Running a lab notebook, and what its last cell calls.

``execute_notebook`` runs a written notebook top to bottom on a Jupyter kernel (nbclient),
which is what ``python -m labs notebook --execute`` and the course's tests do in quick mode;
``show_reflection`` is the notebook's last cell: the run folder and its reflection draft.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat

from toolkit.errors import CourseError

# The folder holding the course's packages (toolkit/, labs/): a kernel imports them from
# there too, so a notebook runs the same code as the command that executes it.
COURSE_ROOT = Path(__file__).resolve().parents[2]


def execute_notebook(path: Path | str, *, timeout: int = 600, kernel_name: str = "python3",
                     workdir: Path | str | None = None, save: bool = True
                     ) -> tuple[nbformat.NotebookNode, float]:
    """Run a notebook top to bottom on a Jupyter kernel (nbclient) and save its outputs.

    Args:
        path: the ``.ipynb`` file.
        timeout: seconds one cell may take before the run fails (default 600).
        kernel_name: the Jupyter kernel (default ``python3``, which ipykernel installs).
        workdir: the kernel's working folder, where ``runs/`` is written (default: the
            notebook's folder, as in Jupyter).
        save: write the executed notebook back to ``path`` (also when a cell failed, so
            the error can be read in place).

    Returns:
        The executed notebook and the wall time in seconds.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised; the message holds the
            traceback.
    """
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(workdir or path.parent)}})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COURSE_ROOT),
                                                      env.get("PYTHONPATH")]))
    start = time.perf_counter()
    try:
        client.execute(env=env)
    finally:
        if save:
            nbformat.write(notebook, path)
    return notebook, time.perf_counter() - start


_IMAGE_LINK = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)(\))")


def latest_run(lab_id: str, out: Path | str = "runs") -> Path:
    """The newest complete run folder of a lab."""
    from toolkit.runs import list_runs

    runs = list_runs(lab_id, out)
    if not runs:
        raise CourseError(f"no complete run of {lab_id} in {out}",
                          fix="run the cells above first, from the top")
    return runs[-1]


def show_reflection(lab_id: str, out: Path | str = "runs") -> Path:
    """Print the newest run folder of a lab and display its reflection draft.

    The draft's figure links are relative to the run folder; they are rewritten relative to
    the working folder so Jupyter finds the images.
    """
    from toolkit.reflection import NEW_DRAFT_NAME, REFLECTION_NAME

    run_dir = latest_run(lab_id, out)
    draft = run_dir / NEW_DRAFT_NAME
    if not draft.is_file():
        draft = run_dir / REFLECTION_NAME
    files = sorted(p.name for p in run_dir.iterdir() if not p.name.startswith("."))
    print(f"Run folder: {run_dir}\nFiles: {', '.join(files)}\nDraft: {draft}")
    text = draft.read_text(encoding="utf-8")

    def relink(match: re.Match) -> str:
        target = match.group(2)
        if "://" in target or target.startswith(("/", "#", "data:")):
            return match.group(0)
        return match.group(1) + (run_dir / target).as_posix() + match.group(3)

    text = _IMAGE_LINK.sub(relink, text)
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
    else:
        display(Markdown(text))
    return draft
