"""Tests for the lab notebooks: ``toolkit.notebooks`` and ``python -m labs notebook``.

Fast tests build notebooks from a small fake lab package the tests write (and from the real
labs) and check the cells derived from its lesson without a kernel. The tests marked
``notebooks`` and ``slow`` execute generated notebooks top to bottom with nbclient on a real
ipykernel kernel, in quick mode, with a per-cell timeout, and fail on any error output;
among them the issue's test: lab 3's model cell edited, and the run uses the edited model.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from labs.__main__ import load_lab
from toolkit import notebooks
from toolkit.errors import CourseError
from toolkit.grading.notebook_check import check_notebook

REPO = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 300  # seconds one cell may take in CI; a quick notebook needs ~60-90 s in all
LAB_IDS = [lab["id"] for lab in notebooks.syllabus_labs()]
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
# The offline data each lab's quick notebook reads in CI: ../shared/data (or
# $KERASCOURSE_DATA: photos, SST-2, the GloVe subset) or Debian's Fashion-MNIST.
NEEDS = {"lab01_vgg16_inference": "shared", "lab02_mlp_dropout": "fashion",
         "lab03_cnn_mnist": "fashion", "lab04_bag_of_words": "shared",
         "lab05_glove_lstm": "shared", "lab06_bert_finetune": "shared"}


def ci_values(lab_id: str, data_dir: Path | None) -> dict:
    """The settings CI changes beyond QUICK = True: what makes a lab run offline on CI's data."""
    values = {"OUT": "runs"}
    if lab_id == "lab01_vgg16_inference":
        values["WEIGHTS"] = "none"  # no ImageNet weights offline: the real path, random weights
    if lab_id in ("lab02_mlp_dropout", "lab03_cnn_mnist"):
        values["DATASET"] = "fashion_mnist"  # CI has no MNIST training images
    if lab_id == "lab05_glove_lstm" and data_dir is not None:
        values["GLOVE_FILE"] = str(data_dir / "glove_6B_50d_subset" / "glove.6B.50d.top2446.txt")
    return values

# A small lab package that follows the lab contract: settings with one flag of each kind, a
# lesson with numbered banners, a helper two steps share, a class, a figure and a reflection.
FAKE_SETTINGS = """
\"\"\"A fake lab for the notebook tests: its flags.\"\"\"
from toolkit.cli import lab_parser


def parse_args(argv=None):
    \"\"\"Read the flags.

    Args:
        argv: the command-line words.
    \"\"\"
    parser = lab_parser(__doc__, epochs=3, batch_size=16)
    parser.add_argument("--width", type=int, default=4, help="hidden units (default 4)")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0], help="input scales")
    parser.add_argument("--shout", action="store_true", help="print in capitals")
    parser.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    parser.add_argument("--compare", nargs="?", const="all", help="compare some or all")
    config = parser.parse_args(argv)
    config.argv = list(argv or [])
    return config
"""

FAKE_LESSON = """
\"\"\"A fake lab for the notebook tests: a tiny classifier on random points.

Run: python -m {name} --quick
\"\"\"
import argparse

import numpy as np

from {name}.settings import parse_args
from toolkit.metrics import classification_metrics
from toolkit.plots import bar_chart
from toolkit.runs import Run

LAB_ID = "lab99_fake"
TITLE = "Fake lab"
CLASSES = ("left", "right")


# --- 1. data ---------------------------------------------------------------------------

def share_right(y):
    \"\"\"The share of points in class "right".\"\"\"
    return float(np.mean(y))


def cloud(rng, n, shift):
    \"\"\"One cloud of points around ``shift``.\"\"\"
    return rng.normal(size=(n, 2)) + shift


def make_data(config):
    \"\"\"Make two clouds of points, one per class.

    The clouds overlap a little, so the model cannot be perfect.
    \"\"\"
    rng = np.random.default_rng(config.seed)
    n = 40 if config.quick else 400
    y = rng.integers(0, 2, n)
    x = cloud(rng, n, y[:, None] * 1.5 * config.scales[0])
    print(len(x), "points,", share_right(y), "of them right")
    return x.astype("float32"), y


# --- 2. the run folder -----------------------------------------------------------------

def start_run(config: argparse.Namespace) -> Run:
    \"\"\"Create the run folder and record the settings.\"\"\"
    return Run.start(LAB_ID, title=TITLE, argv=config.argv, seed=config.seed,
                     out=config.out, quick=config.quick,
                     hyperparameters={{"width": config.width, "scales": config.scales,
                                      "tags": config.tag}})


# --- 3. evaluation ---------------------------------------------------------------------

class Threshold:
    \"\"\"Classify by the sum of the coordinates.\"\"\"

    def __init__(self, limit):
        self.limit = limit

    def predict(self, x):
        return (x.sum(axis=1) > self.limit).astype(int)


def evaluate(x, y, run):
    \"\"\"Classify with a threshold and record the metrics and a figure.\"\"\"
    predictions = Threshold(1.5).predict(x)
    run.record["dataset"] = {{"name": "two clouds", "sizes": {{"test": len(y)}},
                             "share_right": share_right(y)}}
    run.record["metrics"] = classification_metrics(y, predictions, CLASSES)
    figure = bar_chart(["accuracy"], [run.record["metrics"]["accuracy"]],
                       run.path("accuracy.png"), title="Accuracy", xlabel="accuracy")
    run.add_figure("accuracy", figure)
    return figure


def finish(run):
    \"\"\"Write record.json and the reflection draft.\"\"\"
    return run.finish()


def main(argv=None):
    config = parse_args(argv)
    x, y = make_data(config)
    run = start_run(config)
    # the figure goes into the run folder
    evaluate(x, y, run)
    finish(run)
    return 0
"""

FAKE_MAIN = """
import sys

from labs.command_line import run_lab

sys.exit(run_lab(__package__))
"""


def write_fake_lab(folder: Path, name: str, lesson: str = FAKE_LESSON) -> Path:
    package = folder / name
    package.mkdir()
    (package / "__init__.py").write_text('"""A fake lab."""\n', encoding="utf-8")
    (package / "__main__.py").write_text(FAKE_MAIN, encoding="utf-8")
    (package / "settings.py").write_text(FAKE_SETTINGS, encoding="utf-8")
    (package / "lesson.py").write_text(lesson.format(name=name), encoding="utf-8")
    return package


def import_fake_lab(tmp_path, monkeypatch, lesson: str = FAKE_LESSON, suffix: str = ""):
    """The fake lab's lesson module, importable (by the test and by a kernel in tmp_path)."""
    name = f"fakelab{suffix}_{tmp_path.name.replace('-', '_')}"
    write_fake_lab(tmp_path, name, lesson)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(f"{name}.lesson")


@pytest.fixture
def fake_lab(tmp_path, monkeypatch):
    module = import_fake_lab(tmp_path, monkeypatch)
    yield module
    for name in [n for n in sys.modules if n.startswith(module.__package__)]:
        sys.modules.pop(name, None)


def load_variant(tmp_path, monkeypatch, replace: dict[str, str], suffix: str):
    """The fake lab with parts of its lesson replaced, as a new package."""
    source = FAKE_LESSON
    for old, new in replace.items():
        assert old in source, old
        source = source.replace(old, new)
    return import_fake_lab(tmp_path, monkeypatch, source, f"_{suffix}")


def code_cells(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def markdown_cells(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def settings_args(settings_source: str, **changes) -> list[str]:
    """Run the settings cell with some variables changed, as a student would edit them."""
    namespace: dict = {}
    lines = []
    for line in settings_source.splitlines():
        name = line.split("=")[0].strip()
        if name in changes and line.startswith(name + " "):
            line = f"{name} = {changes.pop(name)!r}"
        lines.append(line)
    assert not changes, f"no such settings: {changes}"
    saved_backend = os.environ.get("KERAS_BACKEND")
    try:
        exec("\n".join(lines), namespace)
    finally:
        if saved_backend is None:
            os.environ.pop("KERAS_BACKEND", None)
        else:
            os.environ["KERAS_BACKEND"] = saved_backend
    return namespace["ARGS"]


# ---------------------------------------------------------------------------------------------
# Cells derived from a lesson (no kernel)
# ---------------------------------------------------------------------------------------------

def test_fake_lab_notebook_layout(fake_lab):
    package = fake_lab.__package__
    notebook = notebooks.build_notebook(module=fake_lab)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.accelerator == "GPU"  # Colab opens it on a GPU runtime
    assert notebook.metadata.kerascourse.lab == "lab99_fake"
    codes, texts = code_cells(notebook), markdown_cells(notebook)
    assert texts[0].startswith("# A fake lab for the notebook tests")
    settings, setup, imports = codes[0], codes[1], codes[2]
    assert notebook.cells[1].metadata.tags == ["parameters"]
    for line in ("QUICK = True", "EPOCHS = None", "BATCH_SIZE = None", "SEED = None",
                 "WIDTH = None", "SCALES = None", "SHOUT = False", "TAG = None",
                 "NO_SAVE = False"):
        assert line in settings
    assert f"python -m {package} --help" in settings
    assert "DEBUG" not in settings and "HELP" not in settings
    assert "hidden units (default 4)" in settings  # the flag's help is the comment
    assert 'toolkit.check.main(["--short"])' in setup and "pip" in setup
    # Only what the cells use and do not define, from where the lesson gets it.
    assert imports.splitlines() == [
        "import argparse", "", "import numpy as np", "",
        f"from {package}.settings import parse_args",
        "from toolkit.metrics import classification_metrics",
        "from toolkit.plots import bar_chart, show_new_figures", "from toolkit.runs import Run",
        "", f"from {package}.lesson import LAB_ID, TITLE, CLASSES"]
    assert "draft = show_reflection(\"lab99_fake\", config.out)" in codes[-1]


def test_one_cell_per_statement_of_main_with_the_code_it_uses(fake_lab):
    steps = notebooks.step_cells(notebooks.Lesson(fake_lab))
    assert [step.code.splitlines()[-1] for step in steps] == [
        "config = parse_args(ARGS)", "x, y = make_data(config)", "show_new_figures(run)",
        "show_new_figures(run)", "show_new_figures(run)"]  # ``return 0`` is dropped
    assert [step.shown for step in steps] == [
        [], ["share_right", "cloud", "make_data"], ["start_run"], ["Threshold", "evaluate"],
        ["finish"]]
    code = {step.number: step.code for step in steps}
    # Helpers first, in lesson order, then the step, then the call; shown once only.
    assert code[2].index("def share_right") < code[2].index("def cloud") < code[2].index(
        "def make_data") < code[2].index("x, y = make_data(config)")
    assert sum(step.code.count("def share_right(") for step in steps) == 1
    assert "class Threshold:" in code[4] and "def predict(self, x):" in code[4]
    assert code[3].endswith("run = start_run(config)\nshow_new_figures(run)")
    assert code[4].endswith("# the figure goes into the run folder\nevaluate(x, y, run)\n"
                            "show_new_figures(run)")
    assert "(argv)" not in "".join(code.values())  # main's argv is the settings' ARGS
    # The step's docstring is the Markdown above the cell, not repeated in the code; the
    # helpers keep theirs.
    assert steps[1].summary == "Make two clouds of points, one per class."
    assert steps[1].doc == "The clouds overlap a little, so the model cannot be perfect."
    assert "Make two clouds" not in code[2] and '"""One cloud of points' in code[2]
    assert steps[0].summary == "Read the flags."  # parse_args, from the settings
    assert [step.section for step in steps] == [None, "1. Data", "2. The run folder",
                                                "3. Evaluation", None]


def test_step_markdown_names_section_step_and_definitions(fake_lab):
    notebook = notebooks.build_notebook(module=fake_lab)
    text = next(t for t in markdown_cells(notebook) if "Step 2:" in t)
    assert text.startswith("## 1. Data\n\n### Step 2: Make two clouds of points, one per class.")
    assert "The clouds overlap a little" in text
    assert "`share_right`, `cloud`, `make_data`" in text
    first = next(t for t in markdown_cells(notebook) if "Step 1:" in t)
    assert "Args" in first and "the command-line words" in first


def test_an_edited_cell_is_what_later_cells_call(fake_lab, tmp_path, monkeypatch):
    """The cells run in one namespace, as in a kernel: change ``cloud`` in its cell and the
    data step's result changes; the lesson module itself is untouched."""
    monkeypatch.chdir(tmp_path)
    codes = code_cells(notebooks.build_notebook(module=fake_lab))
    settings, imports, steps = codes[0], codes[2], codes[3:5]
    namespace: dict = {}
    for code in (settings, imports, *steps):
        exec(code.replace("return rng.normal(size=(n, 2)) + shift",
                          "return np.zeros((n, 2)) + 100"), namespace)
    assert float(namespace["x"].min()) >= 99
    assert namespace["cloud"] is not fake_lab.cloud
    assert float(fake_lab.cloud(np.random.default_rng(0), 3, 0).max()) < 99


def test_settings_cell_builds_the_same_argv_as_the_command_line(fake_lab):
    notebook = notebooks.build_notebook(module=fake_lab)
    settings = code_cells(notebook)[0]
    assert settings_args(settings) == ["--quick"]
    args = settings_args(settings, QUICK=False, EPOCHS=5, SCALES=[0.5, 2], SHOUT=True,
                         TAG=["a", "b"], OUT="elsewhere", COMPARE=True)
    command_line = ["--shout", "--epochs", "5", "--out", "elsewhere", "--scales", "0.5", "2",
                    "--compare", "--tag", "a", "--tag", "b"]
    assert sorted(args) == sorted(command_line)
    from_notebook, from_cli = fake_lab.parse_args(args), fake_lab.parse_args(command_line)
    del from_notebook.argv, from_cli.argv
    assert vars(from_notebook) == vars(from_cli)
    assert from_cli.scales == [0.5, 2.0] and from_cli.tag == ["a", "b"]
    assert from_cli.compare == "all"
    assert "--compare" in settings_args(settings, COMPARE="few")
    assert fake_lab.parse_args(settings_args(settings, COMPARE="few")).compare == "few"


def test_starting_values_and_full_mode(fake_lab):
    notebook = notebooks.build_notebook(module=fake_lab, quick=False,
                                        values={"EPOCHS": 7, "SCALES": [2.0]})
    settings = code_cells(notebook)[0]
    assert settings_args(settings) == ["--epochs", "7", "--scales", "2.0"]
    jax = notebooks.build_notebook(module=fake_lab, values={"KERAS_BACKEND": "jax"})
    assert "KERAS_BACKEND = 'jax'" in code_cells(jax)[0]
    with pytest.raises(CourseError, match="no setting NOPE"):
        notebooks.build_notebook(module=fake_lab, values={"NOPE": 1})
    lenient = notebooks.build_notebook(module=fake_lab, values={"NOPE": 1},
                                       strict_values=False)
    assert "NOPE" not in code_cells(lenient)[0]


def test_repository_url_goes_into_the_setup_cell(fake_lab):
    default = code_cells(notebooks.build_notebook(module=fake_lab))[1]
    assert notebooks.PLACEHOLDER_REPO in default
    chosen = code_cells(notebooks.build_notebook(module=fake_lab,
                                                 repo="https://example.org/course.git"))[1]
    assert '"https://example.org/course.git"' in chosen


MAIN_START = "    config = parse_args(argv)\n"
BROKEN_LESSONS = {
    "early_return": ({MAIN_START: MAIN_START + "    if config.quick:\n        return 1\n"},
                     "has a return inside it"),
    "yield": ({"    finish(run)\n": "    yield finish(run)\n"}, "has a yield inside it"),
    "return_before_the_end": ({"    finish(run)\n": "    return 1\n    finish(run)\n"},
                              "returns before the lesson ends"),
    "statement_calls_nothing": ({MAIN_START: MAIN_START + "    limit = 1.5\n"},
                                "calls no function"),
    "first_statement_ignores_argv": ({"config = parse_args(argv)": "config = parse_args([])"},
                                     "does not read the flags"),
    "no_main": ({"def main(argv=None):": "def run_all(argv=None):"}, "has no main(argv)"),
    "undefined_name": ({"Threshold(1.5).predict(x)": "Threshold(missing_limit).predict(x)"},
                       "uses 'missing_limit'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_LESSONS))
def test_lessons_that_do_not_fit_fail_with_a_clear_message(case, tmp_path, monkeypatch):
    replace, expected = BROKEN_LESSONS[case]
    module = load_variant(tmp_path, monkeypatch, replace, case)
    with pytest.raises(CourseError) as caught:
        notebooks.build_notebook(module=module)
    message = caught.value.message
    assert f"{module.__name__} cannot become a notebook" in message
    assert expected in message
    assert "Fix:" in message


def test_a_final_return_of_a_step_keeps_the_step(tmp_path, monkeypatch):
    module = load_variant(tmp_path, monkeypatch, {"    finish(run)\n    return 0\n":
                                                  "    return finish(run)\n"}, "returns")
    last = notebooks.step_cells(notebooks.Lesson(module))[-1]
    assert last.code == "def finish(run):\n    return run.finish()\n\n\nfinish(run)\n" \
                        "show_new_figures(run)"


def test_show_new_figures_shows_each_figure_once(tmp_path, capsys):
    from toolkit.plots import show_new_figures
    from toolkit.runs import Run

    run = Run(tmp_path, {"figures": {}})
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(b"png")
    run.add_figure("a", tmp_path / "a.png")
    show_new_figures(run)
    run.add_figure("b", tmp_path / "b.png")
    run.add_figure("missing", tmp_path / "never-written.png")
    show_new_figures(run)
    show_new_figures(run)
    assert capsys.readouterr().out.splitlines() == [f"figure a: {tmp_path / 'a.png'}",
                                                   f"figure b: {tmp_path / 'b.png'}"]


def test_load_lab_returns_the_lesson_module():
    assert load_lab("3").__name__ == "labs.lab03_cnn_mnist.lesson"


def test_docstrings_become_markdown_sections_lists_and_commands():
    doc = textwrap.dedent("""\
        Lab 9: something.

        What you learn
            1. one thing, explained over
               two lines.
            2. another.

        How to run
            python -m labs.lab09 --quick
            KERAS_BACKEND=jax python -m labs.lab09
        """)
    text = notebooks.docstring_markdown(doc)
    assert "**What you learn**\n\n1. one thing, explained over\n   two lines.\n2. another." in text
    assert ("**How to run**\n\n```bash\npython -m labs.lab09 --quick\n"
            "KERAS_BACKEND=jax python -m labs.lab09\n```") in text


def test_resolve_lab_accepts_numbers_prefixes_and_ids():
    assert notebooks.resolve_lab("3") == "lab03_cnn_mnist"
    assert notebooks.resolve_lab("03") == "lab03_cnn_mnist"
    assert notebooks.resolve_lab("lab05") == "lab05_glove_lstm"
    assert notebooks.resolve_lab("lab06_bert_finetune") == "lab06_bert_finetune"
    assert notebooks.resolve_lab("labs.lab02_mlp_dropout") == "lab02_mlp_dropout"
    for bad in ("7", "lab", "cnn"):
        with pytest.raises(CourseError, match="no lab called"):
            notebooks.resolve_lab(bad)


def test_reflection_markdown_links_figures_from_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = Path("runs") / "lab99_fake" / "20260101-120000"
    run_dir.mkdir(parents=True)
    (run_dir / "record.json").write_text(json.dumps({"status": "complete"}))
    (run_dir / "REFLECTION.md").write_text(
        "# Report\n![Learning curves](learning_curves.png)\n![web](https://x.org/a.png)\n")
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert notebooks.show_reflection("lab99_fake", "runs") == run_dir / "REFLECTION.md"
    text = shown[0].data
    assert f"![Learning curves]({run_dir.as_posix()}/learning_curves.png)" in text
    assert "![web](https://x.org/a.png)" in text
    with pytest.raises(CourseError, match="no complete run of lab02"):
        notebooks.show_reflection("lab02", "runs")


def test_check_short_report_keeps_the_essential_lines(capsys):
    from toolkit.check import Finding, print_report

    findings = [Finding("python", "ok", "Python 3.11"), Finding("cpu", "ok", "2 cores"),
                Finding("disk", "ok", "70 GB free"), Finding("keras", "ok", "Keras 3"),
                Finding("gpu", "warn", "no GPU", "use a GPU runtime"),
                Finding("data:mnist", "warn", "to download", "downloads on first use"),
                Finding("cache", "fail", "not writable", "set KERAS_HOME")]
    print_report(findings, 1.0, short=True)
    out = capsys.readouterr().out
    assert "Python 3.11" in out and "no GPU" in out and "not writable" in out
    assert "70 GB free" not in out and "data:mnist" not in out
    assert "2 more line(s), 1 of them warnings" in out
    print_report(findings, 1.0)
    assert "data:mnist" in capsys.readouterr().out


def test_course_map_still_prints(capsys):
    from labs.__main__ import main

    assert main(["--out", "no-such-runs-folder"]) == 0
    assert "kerascourse: six labs" in capsys.readouterr().out


def test_notebook_subcommand_writes_the_labs_that_exist(tmp_path, capsys):
    """``python -m labs notebook``: a notebook per lab, a clear line per lab that fails."""
    from labs.__main__ import main

    code = main(["notebook", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    written = sorted(p.stem for p in tmp_path.glob("*.ipynb"))
    failed = [lab for lab in LAB_IDS if lab not in written]
    assert code == (2 if failed else 0)
    for lab in written:
        assert f"wrote {tmp_path / (lab + '.ipynb')}" in out
        check = check_notebook(tmp_path / f"{lab}.ipynb")
        assert check.failed  # not executed yet: the grader's check must say so
    for lab in failed:
        assert f"{lab}:" in err
    assert main(["notebook", "--set", "oops", "3"]) == 2
    assert "--set 'oops' is not NAME=VALUE" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Executing notebooks on a real kernel
# ---------------------------------------------------------------------------------------------

def test_python3_kernel_is_installed():
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.fail("no Jupyter kernel named python3: pip install ipykernel "
                    "(or python -m ipykernel install --user)")
    assert spec.language == "python"


def assert_ran_cleanly(notebook_path: Path) -> None:
    """The grader's static check passes: every cell run in order, outputs, no errors."""
    check = check_notebook(notebook_path)
    assert check.ok, check.summary() + ": " + "; ".join(map(str, check.problems))
    executed = nbformat.read(notebook_path, as_version=4)
    assert check.executed_cells == len(code_cells(executed))
    assert check.image_outputs >= 1, "no figure was shown inline"
    texts = [output.get("text", "") for cell in executed.cells if cell.cell_type == "code"
             for output in cell.outputs if output.output_type == "stream"]
    assert not any("Traceback" in text for text in texts)


def assert_grader_accepts(notebook_path: Path, tmp_folder: Path) -> None:
    """The grader, given a submission holding only this notebook, says it ran to the end."""
    import shutil

    from toolkit.grading.assessment import MET, assess_criterion
    from toolkit.grading.rubric import load_rubric
    from toolkit.grading.submissions import read_submission

    student = tmp_folder / "student-1"
    student.mkdir(parents=True)
    shutil.copy(notebook_path, student)
    submission = read_submission("student-1", student)
    assert [check.ok for check in submission.notebooks] == [True]
    runs = assess_criterion(load_rubric().by_id["runs"], submission)
    ran = [r for r in runs.requirements if r.requirement.notebook]
    assert ran and ran[0].status == MET, ran[0].evidence


def differences(a, b, *, rel=1e-4, abs_=1e-6, path="") -> list[str]:
    """Where two JSON values differ, floats compared with a tolerance."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{key}: only in one" for key in set(a) ^ set(b)]
        for key in set(a) & set(b):
            out += differences(a[key], b[key], rel=rel, abs_=abs_, path=f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, rel=rel, abs_=abs_, path=f"{path}[{i}]")]
    if (isinstance(a, float) or isinstance(b, float)) and isinstance(a, (int, float)) \
            and isinstance(b, (int, float)):
        return [] if math.isclose(a, b, rel_tol=rel, abs_tol=abs_) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def only_record(out: Path, lab_id: str) -> dict:
    runs = sorted((out / lab_id).glob("*/record.json"))
    assert len(runs) == 1, f"expected one run folder of {lab_id} in {out}, found {len(runs)}"
    return json.loads(runs[0].read_text())


def run_cli(module: str, args: list[str], cwd: Path, data_dir: Path | None = None) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(cwd), str(REPO), os.environ.get("PYTHONPATH", "")]))
    if data_dir is not None:
        env["KERASCOURSE_DATA"] = str(data_dir)  # as the notebook's kernel had it
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, text=True,
                            capture_output=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.notebooks
@pytest.mark.slow
def test_fake_lab_notebook_runs_and_matches_the_command_line(fake_lab, tmp_path):
    path = tmp_path / "fake.ipynb"
    nbformat.write(notebooks.build_notebook("lab99_fake", module=fake_lab,
                                            values={"OUT": "nb-runs", "SEED": 7}), path)
    notebooks.execute_notebook(path, timeout=CELL_TIMEOUT)
    assert_ran_cleanly(path)
    assert_grader_accepts(path, tmp_path / "submissions")
    executed = nbformat.read(path, as_version=4)
    outputs = [output for output in executed.cells[-1].outputs]
    assert any("text/markdown" in output.get("data", {}) for output in outputs)
    run_cli(fake_lab.__package__, ["--quick", "--seed", "7", "--out", "cli-runs"], tmp_path)
    from_notebook = only_record(tmp_path / "nb-runs", "lab99_fake")
    from_cli = only_record(tmp_path / "cli-runs", "lab99_fake")
    for section in ("hyperparameters", "dataset", "metrics", "seed", "quick", "figures"):
        assert not differences(from_notebook[section], from_cli[section]), section
    files = {p.name for p in (tmp_path / "nb-runs" / "lab99_fake").glob("*/*")}
    assert {"record.json", "accuracy.png", "REFLECTION.md"} <= files


_executed: dict[str, tuple[Path, float]] = {}
# The lab whose notebook the tests edit before running it (issue 19's check).
EDITED_LAB = "lab03_cnn_mnist"


def executed_lab(lab_id: str, folder: Path, data_dir: Path | None) -> tuple[Path, float]:
    """Generate and run one lab's notebook in quick mode (once per test process: with
    ``pytest -n``, the tests that share an execution share an ``xdist_group``)."""
    if lab_id in _executed:
        return _executed[lab_id]
    if not (REPO / "labs" / lab_id / "lesson.py").is_file():
        pytest.skip(f"labs/{lab_id}/lesson.py does not exist: the lab is not a package yet")
    if NEEDS[lab_id] == "shared" and data_dir is None:
        pytest.skip("real data absent: set KERASCOURSE_DATA or place ../shared/data")
    if NEEDS[lab_id] == "fashion" and not (FASHION_MNIST / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("Fashion-MNIST absent: apt-get install dataset-fashion-mnist")
    values = ci_values(lab_id, data_dir)
    workdir = folder / lab_id
    workdir.mkdir()
    path = notebooks.write_notebook(load_lab(lab_id), workdir, values=values)
    if lab_id == EDITED_LAB:  # one execution serves both tests (lab 3's notebook is slow)
        edit_first_conv_block(path, filters=16)
    saved = os.environ.get("KERASCOURSE_DATA")
    if data_dir is not None:  # the kernel inherits it: --data-dir defaults to it
        os.environ["KERASCOURSE_DATA"] = str(data_dir)
    start = time.perf_counter()
    try:
        notebooks.execute_notebook(path, timeout=CELL_TIMEOUT)
    finally:
        if saved is None:
            os.environ.pop("KERASCOURSE_DATA", None)
        else:
            os.environ["KERASCOURSE_DATA"] = saved
    _executed[lab_id] = (path, time.perf_counter() - start)
    print(f"{lab_id}: notebook executed in {_executed[lab_id][1]:.1f} s")
    return _executed[lab_id]


@pytest.fixture(scope="module")
def notebook_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lab-notebooks")


@pytest.fixture(scope="module")
def data_dir() -> Path | None:
    """``$KERASCOURSE_DATA`` or ``../shared/data`` when present: labs 4-6 read SST-2 there."""
    for candidate in (os.environ.get("KERASCOURSE_DATA"), REPO.parent / "shared" / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("lab_id", [
    pytest.param(lab_id, marks=pytest.mark.xdist_group(lab_id)) for lab_id in LAB_IDS])
def test_lab_notebook_runs_top_to_bottom_in_quick_mode(lab_id, notebook_folder, data_dir):
    path, _ = executed_lab(lab_id, notebook_folder, data_dir)
    assert_ran_cleanly(path)
    assert_grader_accepts(path, notebook_folder / "submissions" / lab_id)
    record = only_record(path.parent / "runs", lab_id)
    assert record["status"] == "complete" and record["quick"] is True
    assert any((path.parent / "runs" / lab_id).glob("*/REFLECTION.md"))


# The fastest lab, run once as a notebook and once from the command line.
SAME_RECORD_LAB = "lab04_bag_of_words"


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.xdist_group(SAME_RECORD_LAB)  # with pytest -n: the worker that ran its notebook
def test_notebook_and_command_line_write_the_same_record(notebook_folder, data_dir):
    path, _ = executed_lab(SAME_RECORD_LAB, notebook_folder, data_dir)
    from_notebook = only_record(path.parent / "runs", SAME_RECORD_LAB)
    cli_dir = notebook_folder / "cli"
    cli_dir.mkdir(exist_ok=True)
    run_cli(f"labs.{SAME_RECORD_LAB}", ["--quick", "--out", str(cli_dir)], REPO, data_dir)
    from_cli = only_record(cli_dir, SAME_RECORD_LAB)
    assert from_notebook["seed"] == from_cli["seed"]
    for section in ("hyperparameters", "dataset", "metrics"):
        found = differences(from_notebook[section], from_cli[section], rel=1e-3, abs_=1e-4)
        assert not found, f"{section} differs: {found[:5]}"
    assert set(from_notebook["figures"]) == set(from_cli["figures"])
    print(f"{SAME_RECORD_LAB}: test accuracy {from_notebook['metrics'].get('accuracy')} "
          f"(notebook) vs {from_cli['metrics'].get('accuracy')} (command line)")


def strong_cnn_parameters(first_filters: int) -> int:
    """Parameters of lab 3's strong design with ``first_filters`` filters in its first conv
    block, counted by hand: 3x3 convolutions without bias, 4 numbers per channel of batch
    norm, then dense 1,152 -> 256 -> 10 (pooling halves 28 -> 14 -> 7 -> 3)."""
    channels = [1, first_filters, 64, 128]
    blocks = sum(3 * 3 * cin * cout + 4 * cout
                 for cin, cout in zip(channels[:-1], channels[1:], strict=True))
    return blocks + (3 * 3 * 128 * 256 + 256) + (256 * 10 + 10)


def edit_first_conv_block(path: Path, filters: int) -> None:
    """Edit lab 3's notebook as a student would: the strong design's first block gets
    ``filters`` filters instead of 32, in the cell that shows the model."""
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [cell for cell in notebook.cells
               if cell.cell_type == "code" and "def build_strong_cnn" in cell.source]
    assert cell.source.count("*conv_block(32, 1)") == 1
    cell.source = cell.source.replace("*conv_block(32, 1)", f"*conv_block({filters}, 1)")
    nbformat.write(notebook, path)


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.xdist_group(EDITED_LAB)  # with pytest -n: the worker that ran its notebook
def test_editing_the_model_cell_changes_the_model_that_trains(notebook_folder, data_dir):
    """Issue 19: lab 3's notebook, its strong design's first block edited to 16 filters
    instead of 32 in the cell that shows it, runs top to bottom (the quick-mode test above
    executes it once for both): the run record holds the edited model's parameter count."""
    assert strong_cnn_parameters(32) == 391_082  # the unedited design, as lab 3 documents
    path, _ = executed_lab(EDITED_LAB, notebook_folder, data_dir)
    assert_ran_cleanly(path)
    record = only_record(path.parent / "runs", EDITED_LAB)
    assert record["status"] == "complete"
    assert record["model"]["parameters"]["total"] == strong_cnn_parameters(16) != 391_082
    conv1 = next(row for row in record["model"]["layers"] if row["name"] == "conv1")
    assert conv1["parameters"] == 3 * 3 * 1 * 16
