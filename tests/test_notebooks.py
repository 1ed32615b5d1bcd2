"""Tests for the lab notebooks: ``toolkit.notebooks`` and ``python -m labs notebook``.

Fast tests build notebooks from a small fake lab the tests write (and from the real labs)
and check their cells without running them. The tests marked ``notebooks`` execute the
generated notebooks top to bottom with nbclient on a real ipykernel kernel, in quick mode,
with a per-cell timeout, and fail on any error output; select them with ``-m notebooks``
(they also run by default).
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

# A small lab that follows the lab contract: flags from lab_parser plus one of each kind,
# steps with teaching docstrings, a run folder with a figure and a reflection draft.
FAKE_LAB = '''
"""A fake lab for the notebook tests: a tiny classifier on random points.

Run: python -m {name} --quick
"""
import sys

import numpy as np

from toolkit.cli import lab_parser, run_main
from toolkit.metrics import classification_metrics
from toolkit.plots import bar_chart, show
from toolkit.runs import Run

LAB = "lab99_fake"
CLASSES = ("left", "right")


def parse_args(argv):
    """Read the flags.

    Args:
        argv: the command-line words.
    """
    parser = lab_parser(__doc__, epochs=3, batch_size=16)
    parser.add_argument("--width", type=int, default=4, help="hidden units (default 4)")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0], help="input scales")
    parser.add_argument("--shout", action="store_true", help="print in capitals")
    parser.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    parser.add_argument("--compare", nargs="?", const="all", help="compare some or all")
    config = parser.parse_args(argv)
    config.argv = list(argv)
    return config


def make_data(config):
    """Make two clouds of points, one per class.

    The clouds overlap a little, so the model cannot be perfect.

    Returns:
        (x, y) NumPy arrays.
    """
    rng = np.random.default_rng(config.seed)
    n = 40 if config.quick else 400
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 2)) + y[:, None] * 1.5 * config.scales[0]
    return x.astype("float32"), y


def start_run(config):
    """Create the run folder and record the settings."""
    return Run.start(LAB, title="Fake lab", argv=config.argv, seed=config.seed, out=config.out,
                     quick=config.quick,
                     hyperparameters={{"width": config.width, "scales": config.scales,
                                      "tags": config.tag}})


def evaluate(x, y, run):
    """Classify by the sign of the summed coordinates and record the metrics.

    Returns:
        The path of the accuracy figure.
    """
    predictions = (x.sum(axis=1) > 1.5).astype(int)
    run.record["dataset"] = {{"name": "two clouds", "sizes": {{"test": len(y)}}}}
    run.record["metrics"] = classification_metrics(y, predictions, CLASSES)
    figure = bar_chart(["accuracy"], [run.record["metrics"]["accuracy"]],
                       run.path("accuracy.png"), title="Accuracy", xlabel="accuracy")
    run.add_figure("accuracy", figure)
    return figure


def main(argv=None):
    config = parse_args(argv or [])
    x, y = make_data(config)
    run = start_run(config)
    evaluate(x, y, run)
    run.finish()
    return 0


NOTEBOOK_STEPS = [
    ("parse_args", "config = parse_args(ARGS)"),
    ("make_data", "x, y = make_data(config)\\nprint(len(x), 'points')"),
    ("start_run", "run = start_run(config)"),
    ("evaluate", "show(evaluate(x, y, run))\\nrun.finish()"),
]

if __name__ == "__main__":
    sys.exit(run_main(main))
'''


def write_fake_lab(folder: Path, name: str, source: str = FAKE_LAB) -> Path:
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source.format(name=name)), encoding="utf-8")
    return path


@pytest.fixture
def fake_lab(tmp_path, monkeypatch):
    """The fake lab module, importable (by the test and by a kernel started in tmp_path)."""
    name = f"fakelab_{tmp_path.name.replace('-', '_')}"
    write_fake_lab(tmp_path, name)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    yield module
    sys.modules.pop(name, None)


def load_variant(tmp_path, monkeypatch, replace: dict[str, str], suffix: str):
    """The fake lab with parts of its source replaced, as a new module."""
    source = FAKE_LAB
    for old, new in replace.items():
        assert old in source, old
        source = source.replace(old, new)
    name = f"fakevariant_{suffix}_{tmp_path.name.replace('-', '_')}"
    write_fake_lab(tmp_path, name, source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


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
# Building notebooks (no kernel)
# ---------------------------------------------------------------------------------------------

def test_fake_lab_notebook_layout(fake_lab):
    notebook = notebooks.build_notebook("lab99_fake", module=fake_lab)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.accelerator == "GPU"  # Colab opens it on a GPU runtime
    codes, texts = code_cells(notebook), markdown_cells(notebook)
    assert texts[0].startswith("# A fake lab for the notebook tests")
    settings, setup, imports = codes[0], codes[1], codes[2]
    assert notebook.cells[1].metadata.tags == ["parameters"]
    for line in ("QUICK = True", "EPOCHS = None", "BATCH_SIZE = None", "SEED = None",
                 "WIDTH = None", "SCALES = None", "SHOUT = False", "TAG = None",
                 "NO_SAVE = False"):
        assert line in settings
    assert "DEBUG" not in settings and "HELP" not in settings
    assert "hidden units (default 4)" in settings  # the flag's help is the comment
    assert 'toolkit.check.main(["--short"])' in setup and "pip" in setup
    assert imports.splitlines() == [f"from {fake_lab.__name__} import parse_args, make_data, "
                                    "start_run, evaluate", "from toolkit.plots import show"]
    # One docstring cell + one code cell per step, in order, then the reflection.
    assert codes[3:-1] == [code for _, code in fake_lab.NOTEBOOK_STEPS]
    step_texts = [t for t in texts if t.startswith("## Step")]
    assert step_texts[1].startswith("## Step 2: Make two clouds of points, one per class.")
    assert "The clouds overlap a little" in step_texts[1]
    assert "Returns:" not in step_texts[1] and "(x, y) NumPy arrays" not in step_texts[1]
    assert "draft = show_reflection(\"lab99_fake\", config.out)" in codes[-1]


def test_settings_cell_builds_the_same_argv_as_the_command_line(fake_lab):
    notebook = notebooks.build_notebook("lab99_fake", module=fake_lab)
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


def test_modules_the_cells_use_are_imported_from_where_they_live(tmp_path, monkeypatch):
    module = load_variant(tmp_path, monkeypatch, {
        "from toolkit.plots import bar_chart, show": "from toolkit import plots\n"
                                                     "from toolkit.plots import bar_chart",
        '"show(evaluate(x, y, run))': '"plots.show(evaluate(x, y, run))'}, "modules")
    imports = code_cells(notebooks.build_notebook("lab99_fake", module=module))[2]
    first, rest = imports.split("\n", 1)
    assert first == "from toolkit import plots"
    assert rest.startswith(f"from {module.__name__} import") and "plots" not in rest


def test_starting_values_and_full_mode(fake_lab):
    notebook = notebooks.build_notebook("lab99_fake", module=fake_lab, quick=False,
                                        values={"EPOCHS": 7, "SCALES": [2.0]})
    settings = code_cells(notebook)[0]
    assert settings_args(settings) == ["--epochs", "7", "--scales", "2.0"]
    jax = notebooks.build_notebook("lab99_fake", module=fake_lab, values={"KERAS_BACKEND": "jax"})
    assert "KERAS_BACKEND = 'jax'" in code_cells(jax)[0]
    with pytest.raises(CourseError, match="no setting NOPE"):
        notebooks.build_notebook("lab99_fake", module=fake_lab, values={"NOPE": 1})
    lenient = notebooks.build_notebook("lab99_fake", module=fake_lab, values={"NOPE": 1},
                                       strict_values=False)
    assert "NOPE" not in code_cells(lenient)[0]


def test_repository_url_goes_into_the_setup_cell(fake_lab):
    default = code_cells(notebooks.build_notebook("lab99_fake", module=fake_lab))[1]
    assert notebooks.PLACEHOLDER_REPO in default
    chosen = code_cells(notebooks.build_notebook("lab99_fake", module=fake_lab,
                                                 repo="https://example.org/course.git"))[1]
    assert '"https://example.org/course.git"' in chosen


BROKEN_LABS = {
    "no_steps": ({"NOTEBOOK_STEPS = [": "OTHER_STEPS = ["}, "has no NOTEBOOK_STEPS"),
    "not_pairs": ({'("parse_args", "config = parse_args(ARGS)"),':
                   '("parse_args",),'}, "string pairs"),
    "unknown_function": ({'("make_data", "x, y': '("load_data", "x, y'},
                         "'load_data', which is not a function"),
    "cell_does_not_call_step": ({'("start_run", "run = start_run(config)")':
                                 '("start_run", "run = None")'},
                                "does not call start_run()"),
    "syntax_error": ({'"run = start_run(config)")': '"run = start_run(config")'},
                     "not valid Python"),
    "undefined_name": ({"show(evaluate(x, y, run))": "show(evaluate(x, y, missing_run))"},
                       "uses 'missing_run'"),
    "main_drifted": ({'    ("start_run", "run = start_run(config)"),\n':
                      '', '("evaluate", "show(evaluate(x, y, run))':
                      '("evaluate", "run = Run.start(LAB, title=\'x\', argv=[], seed=1)\\n'
                      'show(evaluate(x, y, run))'},
                     "main() calls start_run() but no NOTEBOOK_STEPS cell does"),
    "first_step_ignores_args": ({'"config = parse_args(ARGS)"': '"config = parse_args([])"'},
                                "does not read the notebook's ARGS"),
    "no_docstring": ({'    """Create the run folder and record the settings."""\n': ''},
                     "start_run() has no docstring"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_LABS))
def test_labs_whose_steps_do_not_fit_fail_with_a_clear_message(case, tmp_path, monkeypatch):
    replace, expected = BROKEN_LABS[case]
    module = load_variant(tmp_path, monkeypatch, replace, case)
    with pytest.raises(CourseError) as caught:
        notebooks.build_notebook("lab99_fake", module=module)
    message = caught.value.message
    assert f"{module.__name__} cannot become a notebook" in message
    assert expected in message
    assert "Fix:" in message


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
    run_cli(fake_lab.__name__, ["--quick", "--seed", "7", "--out", "cli-runs"], tmp_path)
    from_notebook = only_record(tmp_path / "nb-runs", "lab99_fake")
    from_cli = only_record(tmp_path / "cli-runs", "lab99_fake")
    for section in ("hyperparameters", "dataset", "metrics", "seed", "quick", "figures"):
        assert not differences(from_notebook[section], from_cli[section]), section
    files = {p.name for p in (tmp_path / "nb-runs" / "lab99_fake").glob("*/*")}
    assert {"record.json", "accuracy.png", "REFLECTION.md"} <= files


_executed: dict[str, tuple[Path, float]] = {}


def executed_lab(lab_id: str, folder: Path, data_dir: Path | None) -> tuple[Path, float]:
    """Generate and run one lab's notebook in quick mode (once per test session)."""
    if lab_id in _executed:
        return _executed[lab_id]
    if importlib.util.find_spec(f"labs.{lab_id}") is None:
        pytest.skip(f"labs/{lab_id}.py is not written yet")
    if NEEDS[lab_id] == "shared" and data_dir is None:
        pytest.skip("real data absent: set KERASCOURSE_DATA or place ../shared/data")
    if NEEDS[lab_id] == "fashion" and not (FASHION_MNIST / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("Fashion-MNIST absent: apt-get install dataset-fashion-mnist")
    values = ci_values(lab_id, data_dir)
    workdir = folder / lab_id
    workdir.mkdir()
    path = notebooks.write_notebook(load_lab(lab_id), workdir, values=values)
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
@pytest.mark.parametrize("lab_id", LAB_IDS)
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
