"""``python -m labs compare RUN...``: past runs of any lab side by side.

One table, one row per run: the settings in which the runs differ (the settings they share
are listed once above it), the metrics (accuracy, macro F1), and the times (training, the
whole run). One figure: the accuracy of every run as bars, with its training time written
beside. A folder that is not a readable run is one line and is left out; the rest compare.

Example:
    python -m labs compare runs/lab06_bert_finetune/2026*  --figure runs/compare.png
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from toolkit.cli import SuggestingParser, run_main
from toolkit.errors import CourseError
from toolkit.formats import console_table, is_number
from toolkit.record import RecordError, read_checked_record
from toolkit.safe_text import for_terminal

METRICS = ("accuracy", "macro_f1")


def flat_settings(record: dict) -> dict[str, object]:
    """The record's hyperparameters as ``name -> value``, nested ones as ``outer.inner``;
    lists left out, long texts cut to 40 characters (a table cell)."""
    settings: dict[str, object] = {}

    def add(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                add(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, str):
            settings[prefix] = value if len(value) <= 40 else value[:37] + "..."
        elif value is None or isinstance(value, (int, float, bool)):
            settings[prefix] = value

    add("", record.get("hyperparameters") or {})
    settings["lab"], settings["seed"], settings["quick"] = (
        record.get("lab"), record.get("seed"), bool(record.get("quick")))
    return settings


def run_seconds(record: dict) -> float | None:
    """From ``started_at`` to ``finished_at``, in seconds (``None`` if either is missing)."""
    try:
        start = datetime.fromisoformat(str(record["started_at"]))
        end = datetime.fromisoformat(str(record["finished_at"]))
    except (KeyError, ValueError, TypeError):
        return None
    return (end - start).total_seconds()


def compare_runs(folders: list[Path]) -> tuple[list[dict], dict, list[str], list[str]]:
    """``(rows, shared settings, differing setting names, problems)`` of the run folders."""
    records, problems = [], []
    for folder in folders:
        try:
            record, _ = read_checked_record(folder)
        except RecordError as error:
            problems.append(f"{for_terminal(str(folder))}: left out ({for_terminal(str(error))})")
            continue
        records.append((folder, record))
    settings = [flat_settings(record) for _, record in records]
    names = list(dict.fromkeys(name for row in settings for name in row))
    differing = [name for name in names
                 if len({repr(row.get(name)) for row in settings}) > 1]
    shared = {name: settings[0].get(name) for name in names if name not in differing} \
        if settings else {}
    rows = []
    for (folder, record), setting in zip(records, settings, strict=True):
        metrics = record.get("metrics") or {}
        training = record.get("training") or {}
        rows.append({"run": folder.name or str(folder),
                     **{name: setting.get(name) for name in differing},
                     **{name: metrics.get(name) if is_number(metrics.get(name)) else None
                        for name in METRICS},
                     "train_s": training.get("time_s") if is_number(training.get("time_s"))
                     else None,
                     "run_s": run_seconds(record)})
    return rows, shared, differing, problems


def comparison_figure(rows: list[dict], path: Path) -> Path | None:
    """Accuracy of every run (bars), its training time written beside; ``None`` without
    any accuracy."""
    scored = [row for row in rows if row.get("accuracy") is not None]
    if not scored:
        return None
    from toolkit.plots import plt, save_figure

    fig, ax = plt.subplots(figsize=(10, 0.55 * len(scored) + 1.6))
    positions = list(range(len(scored)))
    ax.barh(positions, [row["accuracy"] for row in scored], color="tab:blue")
    ax.set_yticks(positions, [label(row) for row in scored], fontsize=8)
    ax.invert_yaxis()
    for y, row in zip(positions, scored, strict=True):
        seconds = row.get("train_s")
        ax.text(row["accuracy"], y, f" {row['accuracy']:.1%}"
                + (f", {seconds:,.0f} s training" if seconds is not None else ""),
                va="center", fontsize=8)
    ax.set_xlim(0, 1.3)  # room for the text after a bar near 100%
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_xlabel("accuracy (the run's evaluation split)")
    ax.set_title("Runs compared: accuracy and training time")
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def label(row: dict) -> str:
    """A bar's label: the run folder and its differing settings, short."""
    extras = [f"{name.split('.')[-1]}={value}" for name, value in row.items()
              if name not in ("run", *METRICS, "train_s", "run_s") and value is not None]
    text = ", ".join(extras)
    return "\n".join([row["run"], text if len(text) <= 60 else text[:57] + "..."]) \
        if extras else row["run"]


def cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return for_terminal(str(value))


def main(argv: list[str] | None = None) -> int:
    parser = SuggestingParser(prog="python -m labs compare",
                              description="Compare past runs of any lab: the settings that "
                                          "differ, the metrics, the times; one figure.")
    parser.add_argument("runs", nargs="+", metavar="RUN", help="run folders (hold record.json)")
    parser.add_argument("--figure", default="runs/run_comparison.png", metavar="FILE",
                        help="where to write the figure (default runs/run_comparison.png)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    rows, shared, differing, problems = compare_runs([Path(run) for run in args.runs])
    for problem in problems:
        print(problem)
    if not rows:
        raise CourseError("none of the folders is a readable run",
                          fix="pass run folders, e.g. runs/lab06_bert_finetune/2026*")
    if shared:
        print("shared: " + "; ".join(f"{name}={cell(value)}" for name, value in shared.items()
                                     if name in ("lab", "preset", "epochs", "seed", "quick")))
    header = ["run", *differing, *METRICS, "train_s", "run_s"]
    print(console_table(header, [[cell(row.get(name)) for name in header] for row in rows]))
    figure = comparison_figure(rows, Path(args.figure))
    if figure:
        print(f"wrote {figure}")
    return 0


def command(argv: list[str]) -> int:
    """``python -m labs compare ...`` with the course's clean errors."""
    return run_main(main, argv)


if __name__ == "__main__":
    raise SystemExit(command(__import__("sys").argv[1:]))
