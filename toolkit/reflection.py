"""The ``REFLECTION.md`` draft every lab writes into its run folder.

Measured facts come from ``record.json`` (task, data, model, hardware, hyperparameters,
metrics, the published reference and the gap, times, misclassified samples, figures);
the parts only the student can write are left as prompts. Lab-specific prompts come from
``course/templates/<lab>.md`` when that file exists.

A reflection the student already edited is never overwritten: the new draft is written
beside it as ``REFLECTION.new.md`` and the function says so.

Run it again on a run folder (e.g. after annotating ``errors.csv``):
    python -m toolkit.reflection runs/lab03_cnn_mnist/20261123-101500
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from string import Template

from toolkit.errors import CourseError

REFLECTION_NAME = "REFLECTION.md"
STAMP_NAME = ".reflection.sha256"  # hash of the draft as written: a different hash = edited
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "course" / "templates"

PAGE = Template("""# Reflection: $title

_Draft written by kerascourse from `record.json` on $finished. Facts in this draft were
measured by the run; replace every **TODO** prompt with your own words._

## Task, data and model
- **Task:** $task
- **Dataset:** $dataset
- **Model:** $model
- **Hardware:** $hardware; Keras backend `$backend`
- **Seed:** $seed$quick

## References
$references

## Hyperparameters
$hyperparameters

## Did the model train correctly?
$curves

## Evaluation
$metrics

## Comparison with the published score
$comparison

**TODO** If your score differs from the reference, justify the gap (data split, epochs,
model size, preprocessing, hardware budget).

## Training and inference time
$timing

## Misclassified test samples
$misclassified

$errors_figure

## Error types and fixes
$annotations

## Hypothesis
**TODO** What do the misclassified samples have in common? State a hypothesis about why the
model fails on them and how you would test it.

## Improvements
**TODO** Two or more modelling or representation ideas that could fix these errors.

## Reflection
### Learning insights
**TODO** What did this lab teach you that you did not know before?

### Challenges and how you solved them
**TODO**

### Personal growth
**TODO**

### Critical reflection
**TODO** What would you do differently? What questions remain open?
$lab_prompts""")


def _fmt_pct(value) -> str:
    return "n/a" if value is None else f"{100 * float(value):.2f}%"


def _table(header: list[str], rows: list[list]) -> str:
    if not rows:
        return "_none recorded_"
    escape = (lambda cell: str(cell).replace("|", "\\|").replace("\n", " "))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(record: dict, run_dir: Path | None = None) -> str:
    """The reflection draft for ``record`` as Markdown."""
    env = record.get("environment", {})
    hardware = env.get("hardware", {})
    dataset = record.get("dataset", {})
    model = record.get("model", {})
    metrics = record.get("metrics", {})
    reference = record.get("reference", {})
    training = record.get("training", {})
    inference = record.get("inference", {})
    figures = record.get("figures", {})
    splits = ", ".join(f"{k} {v:,}" for k, v in dataset.get("splits", {}).items())
    params = model.get("parameters", {})
    refs = [c for c in (dataset.get("citation"), reference.get("citation"), model.get("citation"))
            if c]
    curves = figures.get("learning_curves")
    if curves:
        curves_text = (f"![learning curves]({curves})\n\n**TODO** Describe the curves: does "
                       f"validation loss follow training loss, and where does it level off?")
    else:
        curves_text = "_This lab trains no model: there are no learning curves._"
    metric_rows = [[name.replace("_", " "), _fmt_pct(metrics[name])]
                   for name in ("accuracy", "macro_precision", "macro_recall", "macro_f1")
                   if metrics.get(name) is not None]
    confusion = figures.get("confusion_matrix")
    metrics_text = _table(["metric (test split)", "value"], metric_rows)
    if confusion:
        metrics_text += f"\n\n![confusion matrix]({confusion})"
    if reference:
        comparison = (f"Published: **{_fmt_pct(reference.get('value'))}** "
                      f"{reference.get('metric', '')} on the {reference.get('split', '?')} split "
                      f"({reference.get('citation', '')}). Measured: "
                      f"**{_fmt_pct(reference.get('measured'))}**, a difference of "
                      f"{_fmt_pct(reference.get('difference'))}.")
        if reference.get("note"):
            comparison += f" Note: {reference['note']}"
    else:
        comparison = "_No published reference recorded for this run._"
    timing_rows = []
    if training.get("time_s") is not None:
        timing_rows.append(["training time", f"{training['time_s']:.1f} s over "
                            f"{training.get('epochs_run', '?')} epochs"])
    if training.get("samples_per_s"):
        timing_rows.append(["training throughput", f"{training['samples_per_s']:,.0f} samples/s"])
    if inference.get("latency_ms_per_sample") is not None:
        timing_rows.append(["inference latency", f"{inference['latency_ms_per_sample']:.3f} ms "
                            f"per sample (batch {inference.get('batch_size', '?')})"])
        timing_rows.append(["inference throughput",
                            f"{inference.get('throughput_samples_per_s', 0):,.0f} samples/s"])
    errors = record.get("misclassified", [])
    error_rows = [[e.get("text", e.get("id", e.get("index"))), e.get("true"), e.get("predicted"),
                   f"{e.get('confidence', 0):.2f}"] for e in errors[:25]]
    errors_figure = figures.get("errors")
    annotations = []
    if run_dir is not None:
        from toolkit.error_analysis import read_annotations

        annotations = read_annotations(Path(run_dir) / "errors.csv")
    if annotations:
        annotation_text = _table(["sample", "true", "predicted", "error type", "fix idea"], [
            [a.get("text") or a.get("id"), a.get("true"), a.get("predicted"),
             a.get("error_type", ""), a.get("fix_idea", "")] for a in annotations])
    else:
        annotation_text = ("**TODO** Fill the `error_type` and `fix_idea` columns of `errors.csv`, "
                           "then run `python -m toolkit.reflection <this folder>` to bring them here.")
    lab_prompts = ""
    template = TEMPLATES_DIR / f"{record.get('lab', '')}.md"
    if template.is_file():
        lab_prompts = "\n### Lab-specific questions\n" + template.read_text(encoding="utf-8")
    return PAGE.substitute(
        title=record.get("title", record.get("lab", "lab")),
        finished=record.get("finished_at") or record.get("started_at", "?"),
        task=record.get("task", record.get("title", "")),
        dataset=f"{dataset.get('title', dataset.get('name', '?'))} ({splits or 'splits n/a'})",
        model=f"{model.get('name', '?')}, {params.get('total', 0):,} parameters "
              f"({params.get('trainable', 0):,} trainable)",
        hardware=hardware.get("device", "?"), backend=env.get("backend", "?"),
        seed=record.get("seed", "?"),
        quick=" (**--quick run**: small data, not comparable to the reference)"
        if record.get("quick") else "",
        references="\n".join(f"- {c}" for c in dict.fromkeys(refs)) or "_none recorded_",
        hyperparameters=_table(["hyperparameter", "value"], [
            [k, v] for k, v in record.get("hyperparameters", {}).items()]),
        curves=curves_text, metrics=metrics_text, comparison=comparison,
        timing=_table(["measure", "value"], timing_rows),
        misclassified=_table(["sample", "true", "predicted", "confidence"], error_rows),
        errors_figure=f"![misclassified samples]({errors_figure})" if errors_figure else "",
        annotations=annotation_text, lab_prompts=lab_prompts,
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_reflection(run_dir: Path | str, record: dict) -> Path:
    """Write the draft into ``run_dir``; never overwrite a reflection the student edited.

    Returns the path written: ``REFLECTION.md``, or ``REFLECTION.new.md`` when the
    existing ``REFLECTION.md`` differs from the draft this tool last wrote.
    """
    run_dir = Path(run_dir)
    text = render(record, run_dir)
    target = run_dir / REFLECTION_NAME
    stamp = run_dir / STAMP_NAME
    if target.exists():
        written = stamp.read_text().strip() if stamp.exists() else None
        if written != _digest(target.read_text(encoding="utf-8")):
            draft = run_dir / "REFLECTION.new.md"
            draft.write_text(text, encoding="utf-8")
            print(f"{target} was edited by you, so it was left as it is; the new draft is "
                  f"{draft}.")
            return draft
    target.write_text(text, encoding="utf-8")
    stamp.write_text(_digest(text))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.reflection",
        description="Write the REFLECTION.md draft of a run folder again (e.g. after you "
                    "annotated errors.csv). An edited REFLECTION.md is never overwritten.")
    parser.add_argument("run_dirs", nargs="+", help="run folders holding record.json")
    args = parser.parse_args(argv)
    from toolkit.runs import read_record

    for run_dir in args.run_dirs:
        try:
            record = read_record(run_dir)
        except (OSError, ValueError) as error:
            raise CourseError(f"{run_dir} holds no readable record.json", why=str(error),
                              fix="pass a folder a lab wrote, e.g. runs/lab03_cnn_mnist/<time>")
        print(write_reflection(run_dir, record))
    return 0


if __name__ == "__main__":
    from toolkit.cli import run_main

    sys.exit(run_main(main))
