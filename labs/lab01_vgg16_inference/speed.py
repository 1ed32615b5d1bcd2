"""``--benchmark``: lab 1's inference speed across batch sizes, precisions and ``jit_compile``
(minutes on a CPU). The lesson (lesson.py) measures the basic latency on your photos.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
import numpy as np

from labs.lab01_vgg16_inference.settings import INPUT_SIZE
from toolkit.environment import cpu_name
from toolkit.formats import console_table
from toolkit.metrics import measure_inference
from toolkit.plots import bar_chart
from toolkit.runs import Run
from toolkit.vision import applications
from toolkit.vision.applications import APPLICATIONS, ApplicationSpec


def fast_precisions() -> tuple[list[str], dict[str, str]]:
    """Precisions worth benchmarking here, and why the others are left out.

    On a GPU both mixed policies use fast hardware paths (bfloat16 needs Ampere or newer).
    On a CPU float16 has no fast path; bfloat16 does when the CPU has AVX512-BF16 or AMX.
    """
    from toolkit.environment import backend_devices

    if backend_devices():
        return ["float32", "mixed_bfloat16", "mixed_float16"], {}
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        flags = ""
    skipped = {"mixed_float16": "no fast float16 arithmetic on a CPU"}
    if "avx512_bf16" in flags or "amx_bf16" in flags:
        return ["float32", "mixed_bfloat16"], skipped
    skipped["mixed_bfloat16"] = f"this CPU ({cpu_name()}) has no AVX512-BF16/AMX"
    return ["float32"], skipped


def build_vgg16_like(model, precision: str, spec: ApplicationSpec = APPLICATIONS["vgg16"]):
    """A VGG16 (or the ``spec`` network) in ``precision`` holding ``model``'s weights (mixed:
    float16/bfloat16 compute, float32 weights, so the same weights copy over unchanged)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        copy = applications.build_application(spec, None)
    finally:
        keras.config.set_dtype_policy(previous)
    copy.set_weights(model.get_weights())
    return copy


def benchmark(model, config: argparse.Namespace, run: Run) -> Path:
    """Images/s across batch size x precision x ``jit_compile``; records the best setting.

    Random images are used (speed does not depend on content). ``jit_compile=True``
    compiles the whole forward pass with XLA (TensorFlow, JAX) or ``torch.compile``
    (PyTorch); the compile time is in ``warmup_s``. On JAX ``jit_compile=False`` runs op by
    op, which is always slower. Mixed precision computes in 16 bits with float32 weights.
    """
    from toolkit.environment import backend_devices

    accelerated = bool(backend_devices())
    batch_sizes = config.benchmark_batch_sizes or (
        [1, 2] if config.quick else [1, 32, 128] if accelerated else [1, 4])
    precisions, skipped = fast_precisions()
    if config.precisions:
        precisions, skipped = config.precisions, {}
    rng = np.random.default_rng(config.seed)
    rows = []
    for precision in precisions:
        candidate = (model if precision == "float32" else
                     build_vgg16_like(model, precision, config.spec))
        for jit in (False, True):
            candidate.compile(jit_compile=jit)
            for batch in batch_sizes:
                images = rng.uniform(0, 255, (batch * 3, *INPUT_SIZE, 3)).astype("float32")
                x = applications.preprocess(config.spec, images)
                timing = measure_inference(candidate.predict_on_batch, x, batch_size=batch,
                                           repeats=1 if config.quick else 2)
                row = {"precision": precision, "jit_compile": jit, "batch_size": batch,
                       "images_per_s": timing["throughput_samples_per_s"],
                       "latency_ms_per_image": timing["latency_ms_per_sample"],
                       "batch_latency_ms": timing["batch_latency_ms"],
                       "warmup_s": timing["warmup_s"], "images_timed": timing["samples"]}
                rows.append(row)
        if candidate is not model:
            del candidate
    model.compile(jit_compile="auto")
    print(console_table(
        ["precision", "jit_compile", "batch", "images/s", "ms/image", "first call s"],
        [[r["precision"], str(r["jit_compile"]), r["batch_size"], f"{r['images_per_s']:.2f}",
          f"{r['latency_ms_per_image']:.1f}", f"{r['warmup_s']:.1f}"] for r in rows]))
    best = max(rows, key=lambda r: r["images_per_s"])
    run.record["results"]["benchmark"] = rows
    run.record["results"]["benchmark_best"] = {
        **best, "backend": keras.backend.backend(),
        "device": run.record["environment"]["hardware"]["device"],
        "not_benchmarked": "; ".join(f"{k}: {v}" for k, v in skipped.items()) or "none",
        "method": "random 224x224 images; best of the repeats after one warm-up call"}
    print(f"best: {best['precision']}, jit_compile={best['jit_compile']}, batch "
          f"{best['batch_size']}: {best['images_per_s']:.2f} images/s")
    for precision, reason in skipped.items():
        print(f"  not benchmarked: {precision} ({reason}; force it with --precisions)")
    labels = [f"{r['precision'].replace('mixed_', '')} jit={'on' if r['jit_compile'] else 'off'} "
              f"batch {r['batch_size']}" for r in rows]
    path = bar_chart(labels, [r["images_per_s"] for r in rows], run.path("benchmark.png"),
                     title=f"{config.spec.title} inference, {keras.backend.backend()} backend",
                     xlabel="images/s",
                     annotate="{:.2f}")
    run.add_figure("benchmark", path)
    run.save()
    return path
