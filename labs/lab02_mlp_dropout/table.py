"""The sweep of lab 2 as a text table in the terminal, one row per setting."""

from __future__ import annotations

from toolkit.formats import console_table

COLUMNS = [  # header, result key, format
    ("setting", "setting", "{}"), ("dropout", "dropout", "{:g}"), ("L2", "l2", "{:g}"),
    ("lr", "learning_rate", "{:g}"), ("batch", "batch_size", "{}"),
    ("best val acc", "best_val_accuracy", "{:.4f}"), ("@epoch", "best_epoch", "{}"),
    ("final gap", "final_gap", "{:+.4f}"), ("test acc", "test_accuracy", "{:.4f}"),
    ("time s", "time_s", "{:.1f}"),
]


def print_table(results: list[dict]) -> None:
    """Print the sweep's results (``lesson.run_sweep``) as a fixed-width table."""
    rows = [[fmt.format(result[key]) for _, key, fmt in COLUMNS] for result in results]
    print("\n" + console_table([header for header, _, _ in COLUMNS], rows))
