"""``--benchmark``: training tokens/s of the architecture with random weights (nothing is
downloaded), across batch size, sequence length and precision, and dynamic vs fixed padding
on the lengths of the data set the lab loaded."""

from __future__ import annotations

import argparse

from labs.lab06_bert_finetune.tasks import Task, main_task
from toolkit import plots
from toolkit.formats import console_table
from toolkit.runs import Run
from toolkit.text import bert


def benchmark(preset_name: str, tasks: dict[str, Task] | None, config: argparse.Namespace,
              run: Run) -> None:
    """Training tokens/s of the architecture, with random weights.

    First a grid of batch size x sequence length x precision with every position a real
    token; then, on the main task's real lengths (SST-2 or your ``--data`` file), dynamic
    padding against fixed padding to ``--max-length`` in float32, counting only real
    (non-[PAD]) tokens: the speed-up a student actually gets.
    """
    from toolkit.environment import backend_devices

    accelerated = bool(backend_devices())
    precisions = ["float32", "mixed_bfloat16"] + (["mixed_float16"] if accelerated else [])
    if config.quick:
        grid = [(8, 16), (8, 32)]
        precisions = ["float32"]
    elif accelerated:
        grid = [(b, s) for b in (32, 128) for s in (64, 128)]
    else:
        grid = [(b, s) for b in (16, 32) for s in (32, 64, 128)]
    rows = []
    for precision in precisions:
        backbone = bert.random_backbone(preset_name, dtype=precision)
        for batch_size, seq_length in grid:
            row = bert.training_throughput(backbone, batch_size=batch_size,
                                           seq_length=seq_length, steps=2 if config.quick else 3)
            rows.append(row)
            print(f"measured {precision}, batch {batch_size} x {seq_length} tokens")
    print(console_table(
        ["precision", "batch", "length", "tokens/s", "ms/step", "first step s"],
        [[row["precision"], row["batch_size"], row["seq_length"], f"{row['tokens_per_s']:,.0f}",
          f"{row['step_ms']:.0f}", f"{row['first_step_s']:.1f}"] for row in rows]))
    run.record["results"]["benchmark"] = {"architecture": preset_name, "grid": rows}
    if tasks:
        padding = padding_speedup(preset_name, main_task(tasks), config)
        run.record["results"]["benchmark"]["padding"] = padding
    run.save()
    labels = [f"{r['precision']} b{r['batch_size']} x{r['seq_length']}" for r in rows]
    run.add_figure("benchmark", plots.bar_chart(
        labels, [r["tokens_per_s"] for r in rows], run.path("benchmark.png"),
        title=f"Training throughput, {preset_name} (random weights)", xlabel="tokens / s",
        annotate="{:,.0f}"))


def padding_speedup(preset_name: str, task: Task, config: argparse.Namespace,
                    batches_timed: int | None = None) -> dict:
    """Real tokens/s of training steps on this task's batches: dynamic vs fixed padding."""
    return bert.padding_speedup(preset_name, task.tokens["train"].token_ids, task.labels("train"),
                                batch_size=config.batch_size, max_length=config.max_length,
                                pad_to_multiple=config.pad_to_multiple, seed=config.seed,
                                batches_timed=batches_timed or (3 if config.quick else 12))
