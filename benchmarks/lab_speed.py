"""Speed of the labs next to their reference recipes: ``python benchmarks/lab_speed.py``.

Every workload runs twice in the same process, on the same data and device: once the way
the course does it ("ours") and once the way the reference recipe does it, and prints one
table with the ratio. Nothing is downloaded: models use random weights (speed does not
depend on the values) and data comes from the registry when present, else random arrays.

=============  ================================================  ===================================
workload       ours                                              reference in the same run
=============  ================================================  ===================================
vgg16          best of batch x precision x jit_compile, img/s    ``VGG16.predict``, batch 32, float32
cnn            lab 3's CNN: time to the same test accuracy       keras.io mnist_convnet recipe
mlp            lab 2's MLP, samples/s per epoch (fast fit)       the same model, default ``fit``
callbacks      time in the toolkit's callbacks, % of an epoch    target <= 2% (and epochs without them)
lstm           lab 5's LSTM, samples/s per epoch (fast fit)      the same model, default ``fit``
bert           lab 6 training step, tokens/s, dynamic padding    fixed padding to max length, float32
=============  ================================================  ===================================

"fast fit" is :func:`fast_fit_settings`: XLA compilation, several steps per call
(``steps_per_execution``: fewer host round trips per epoch) and a larger batch with the
learning rate scaled to match.

Examples:
    python benchmarks/lab_speed.py --quick          # about 3-5 minutes on a 2-core CPU
    KERAS_BACKEND=jax python benchmarks/lab_speed.py --only vgg16 bert --json bench.json

Read the ratio as "how many times faster ours is" (for the CNN: reference time / our time to
the same test accuracy: the lab's target, or the reference's final accuracy if it never
reaches the target). On a CPU the absolute figures are small, but the ratios still say which
settings pay off.

It drives the labs, so it lives above them, with the other benchmarks; it reads only the lab
names in :data:`LAB_NAMES` (importable through each lab's package, checked by
``tests/test_bench.py``).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import keras
import numpy as np

from toolkit.cli import SuggestingParser
from toolkit.environment import backend_devices, hardware_info
from toolkit.formats import console_table

# The names each workload takes from a lab: the lab's own model builders and recipes, so the
# benchmark times what the student runs.
LAB_NAMES = {
    "labs.lab01_vgg16_inference": ("fast_precisions", "build_vgg16_like"),
    "labs.lab02_mlp_dropout": ("build_mlp",),
    "labs.lab03_cnn_mnist": ("TARGETS", "RECIPES", "build_reference_cnn", "build_strong_cnn",
                             "learning_rate_for"),
    "labs.lab05_glove_lstm": ("parse_args", "build_model"),
    "labs.lab06_bert_finetune": ("parse_args",),
}


@dataclass
class BenchRow:
    """One line of the table."""

    workload: str
    metric: str
    ours: float | None
    reference: float | None
    higher_is_better: bool = True
    ours_setting: str = ""
    reference_setting: str = ""
    note: str = ""
    device: str = ""
    backend: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.ours or not self.reference:
            return None
        return self.ours / self.reference if self.higher_is_better else self.reference / self.ours

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": None if self.ratio is None else round(self.ratio, 3)}


def fast_fit_settings(batch_size: int, learning_rate: float, *, scale: int = 4) -> dict:
    """The course's fast training settings for small models.

    A ``scale`` times larger batch (learning rate scaled by the same factor, the linear
    scaling rule) gives the processor bigger matrices; ``steps_per_execution`` runs several
    steps per call from Python, so the host is not the bottleneck. XLA compilation is left to
    Keras's ``"auto"`` choice: forcing it slowed lab 5's LSTM on a CPU with TensorFlow by 25%.
    Keras's PyTorch backend runs one step per call only (it raises for more).
    """
    return {"batch_size": batch_size * scale, "learning_rate": learning_rate * scale,
            "steps_per_execution": steps_per_execution(), "jit_compile": "auto"}


def steps_per_execution(wanted: int = 8) -> int:
    """``wanted`` steps per call from Python, or 1 on the torch backend, which allows no more."""
    return 1 if keras.config.backend() == "torch" else wanted


def _seconds(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _images_per_s(predict: Callable, x: np.ndarray, batch: int, repeats: int) -> float:
    """Images/s of ``predict`` over ``x`` in batches of ``batch`` (after one warm-up batch)."""
    from toolkit.metrics import measure_inference

    timing = measure_inference(predict, x, batch_size=batch, repeats=repeats,
                               max_samples=len(x))
    return timing["throughput_samples_per_s"]


# --- workloads --------------------------------------------------------------------------------

def bench_vgg16(quick: bool) -> BenchRow:
    """VGG16 inference: the best lab 1 setting vs plain ``predict`` at batch 32 in float32."""
    lab01 = importlib.import_module("labs.lab01_vgg16_inference")
    accelerated = bool(backend_devices())
    count = 16 if quick else (2048 if accelerated else 64)
    batches = [8] if quick else ([64, 128, 256] if accelerated else [8, 16])
    rng = np.random.default_rng(0)
    x = keras.applications.vgg16.preprocess_input(
        rng.uniform(0, 255, (count, 224, 224, 3)).astype("float32"))
    reference_model = keras.applications.VGG16(weights=None)
    reference_batch = min(32, count)
    reference_model.predict(x[:reference_batch], batch_size=reference_batch, verbose=0)
    reference = count / _seconds(lambda: reference_model.predict(x, batch_size=reference_batch,
                                                                 verbose=0))
    precisions, _ = lab01.fast_precisions()
    best, best_setting = 0.0, ""
    for precision in precisions:
        model = reference_model if precision == "float32" else \
            lab01.build_vgg16_like(reference_model, precision)
        model.compile(jit_compile=keras.config.backend() != "torch")
        for batch in batches:
            rate = _images_per_s(model.predict_on_batch, x, batch, 1 if quick else 2)
            if rate > best:
                best, best_setting = rate, f"{precision}, jit, batch {batch}"
    return BenchRow("vgg16 inference", "images/s", round(best, 2), round(reference, 2),
                    ours_setting=best_setting,
                    reference_setting=f"VGG16.predict, batch {reference_batch}, float32",
                    note=f"{count} random images, random weights")


def _mlp_data(quick: bool):
    """Fashion-MNIST when it is here (Debian package), else random images of the same shape."""
    from toolkit.errors import CourseError
    from toolkit.vision.data import load_image_dataset, to_model_input

    try:
        data = load_image_dataset("fashion_mnist")
        x, y, source = to_model_input(data.x_train, channels=False), data.y_train, "Fashion-MNIST"
    except CourseError:
        rng = np.random.default_rng(0)
        x = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        source = "random arrays"
    count = 12000 if quick else len(x)
    return x[:count], y[:count], source


def _epoch_rate(model, x, y, *, batch_size: int, epochs: int = 2, **fit_kwargs) -> float:
    """Samples/s of the last epoch (the first one pays for compilation)."""
    from toolkit.callbacks import EpochTimer

    timer = EpochTimer(samples_per_epoch=len(x))
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0,
              callbacks=[timer, *fit_kwargs.pop("callbacks", [])], **fit_kwargs)
    return len(x) / timer.epoch_times[-1]


def _fast_vs_default_fit(workload: str, make_model: Callable[..., keras.Model], x, y, *,
                         batch_size: int, learning_rate: float, note: str) -> BenchRow:
    """Samples/s per epoch of ``make_model(learning_rate, **compile_kwargs)`` trained with
    default ``fit`` settings (batch 32) against :func:`fast_fit_settings`."""
    reference = _epoch_rate(make_model(learning_rate), x, y, batch_size=32)
    fast = fast_fit_settings(batch_size, learning_rate)
    ours = _epoch_rate(make_model(fast["learning_rate"], jit_compile=fast["jit_compile"],
                                  steps_per_execution=fast["steps_per_execution"]),
                       x, y, batch_size=fast["batch_size"])
    return BenchRow(workload, "samples/s", round(ours), round(reference),
                    ours_setting=f"batch {fast['batch_size']}, steps_per_execution "
                                 f"{fast['steps_per_execution']}, jit {fast['jit_compile']}",
                    reference_setting="default fit: batch 32", note=note)


def bench_mlp(quick: bool) -> BenchRow:
    """Lab 2's MLP: samples/s of one epoch with the fast settings vs default ``fit``."""
    lab02 = importlib.import_module("labs.lab02_mlp_dropout")
    x, y, source = _mlp_data(quick)

    def model(learning_rate: float, **compile_kwargs):
        mlp = lab02.build_mlp(784, 10, width=512, depth=2, dropout=0.2)
        mlp.compile(optimizer=keras.optimizers.RMSprop(learning_rate),
                    loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                    **compile_kwargs)
        return mlp

    return _fast_vs_default_fit("mlp epoch (lab 2)", model, x, y, batch_size=128,
                                learning_rate=1e-3, note=f"{len(x):,} {source} images")


def bench_lstm(quick: bool) -> BenchRow:
    """Lab 5's LSTM on SST-2-sized token sequences: samples/s per epoch, fast vs default fit.

    Token ids are random (speed does not depend on which words they are), 20,000 words of
    100 dimensions and 48 tokens per text, the shape lab 5 builds from SST-2 with GloVe 6B.100d.
    """
    lab05 = importlib.import_module("labs.lab05_glove_lstm")
    config = lab05.parse_args([])
    rng = np.random.default_rng(0)
    count, length = (4000 if quick else 20000), 48
    x = rng.integers(1, 20000, (count, length)).astype("int32")
    x[:, rng.integers(8, length)] = 0  # some padding, as real sentences have
    y = rng.integers(0, 2, count)
    sequences = {"matrix": rng.normal(size=(20000, 100)).astype("float32"), "length": length}

    def model(learning_rate: float, **compile_kwargs):
        lstm = lab05.build_model(sequences, 2, config, mode="random")
        lstm.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=config.clipnorm),
                     loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                     **compile_kwargs)
        return lstm

    return _fast_vs_default_fit(
        "lstm epoch (lab 5)", model, x, y, batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        note=f"{count:,} random sequences of {length} tokens, LSTM {config.units} units")


def bench_bert(quick: bool) -> BenchRow:
    """Lab 6: training tokens/s on real SST-2 sentence lengths, dynamic vs fixed padding.

    Random weights of the architecture (BERT-base; all-MiniLM-L6-v2 with ``--quick``), so
    nothing is downloaded; SST-2 comes from ``--data-dir`` / ``$KERASCOURSE_DATA``, tokenized
    with the preset's vocabulary (BERT-base's uncased vocabulary is all-MiniLM-L6-v2's, so that
    one is borrowed when BERT-base is not cached). Batch size, length limit and padding
    multiple are lab 6's defaults. Only real (non-[PAD]) tokens count: padding is work that
    teaches the model nothing.
    """
    import os

    from toolkit.errors import CourseError
    from toolkit.text import bert
    from toolkit.text.datasets import load_text_dataset

    lab06 = importlib.import_module("labs.lab06_bert_finetune")
    preset_name = bert.OFFLINE_PRESET if quick else "bert_base_en_uncased"
    config = lab06.parse_args(["--benchmark", "--preset", preset_name]
                              + (["--quick"] if quick else []))
    pad_to_multiple = config.pad_to_multiple or (64 if quick else 16)
    data = load_text_dataset("sst2_sentences", data_dir=os.environ.get("KERASCOURSE_DATA"),
                             seed=config.seed)
    if quick:
        data = data.subsample(256, 32, 32, config.seed)
    try:
        preset = bert.resolve_preset(preset_name, download=False)
    except CourseError:
        preset = bert.resolve_preset(bert.OFFLINE_PRESET)  # the same uncased vocabulary
    tokens = bert.make_tokenizer(preset).encode(list(data.x_train), config.max_length)
    result = bert.padding_speedup(preset_name, tokens.token_ids, np.asarray(data.y_train),
                                  batch_size=config.batch_size, max_length=config.max_length,
                                  pad_to_multiple=pad_to_multiple, seed=config.seed,
                                  batches_timed=3 if quick else 12)
    return BenchRow("bert train step (lab 6)", "real tokens/s",
                    result["dynamic"]["real_tokens_per_s"], result["fixed"]["real_tokens_per_s"],
                    ours_setting=f"dynamic padding (length buckets, multiple of "
                                 f"{pad_to_multiple}), float32",
                    reference_setting=f"fixed padding to {config.max_length}, float32",
                    note=f"{preset_name} architecture, random weights, batch "
                         f"{config.batch_size}, {result['dynamic']['batches']} batches timed, "
                         f"{len(data.x_train):,} SST-2 training sentences")


class _AccuracyClock(keras.callbacks.Callback):
    """Test accuracy after every epoch against the training time so far.

    Its own evaluation time is not counted, so the times are pure training time. With
    ``stop_at`` it ends training once the accuracy reaches that value.
    """

    def __init__(self, x_test, y_test, stop_at: float | None = None):
        super().__init__()
        self.x_test, self.y_test, self.stop_at = x_test, y_test, stop_at

    def on_train_begin(self, logs=None):
        self.start, self.eval_time = time.perf_counter(), 0.0
        self.points: list[tuple[float, float]] = []  # (training seconds, test accuracy)

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.start - self.eval_time
        eval_start = time.perf_counter()
        probabilities = self.model.predict(self.x_test, batch_size=1024, verbose=0)
        accuracy = float((np.asarray(probabilities).argmax(1) == self.y_test).mean())
        self.eval_time += time.perf_counter() - eval_start
        self.points.append((seconds, accuracy))
        if self.stop_at is not None and accuracy >= self.stop_at:
            self.model.stop_training = True

    @property
    def final_accuracy(self) -> float:
        return self.points[-1][1] if self.points else 0.0

    def seconds_to(self, accuracy: float) -> float | None:
        """Training seconds until the test accuracy first reached ``accuracy`` (or ``None``)."""
        return next((seconds for seconds, value in self.points if value >= accuracy), None)


def bench_cnn(quick: bool) -> BenchRow:
    """Lab 3: time to the same Fashion-MNIST test accuracy as the keras.io convnet recipe.

    The reference trains its full recipe; ours stops at the lab's target. Both are timed to
    the same accuracy: the lab's target when the reference reaches it, else the best the
    reference reached (its final accuracy), so the ratio always compares like with like.
    """
    lab03 = importlib.import_module("labs.lab03_cnn_mnist")
    from toolkit.vision.data import load_image_dataset, subsample, to_model_input

    data = load_image_dataset("fashion_mnist")
    x_train, y_train = data.x_train, data.y_train
    x_test, y_test = data.x_test, data.y_test
    if quick:
        x_train, y_train = subsample(x_train, y_train, 6000, seed=0)
        x_test, y_test = x_test[:2000], y_test[:2000]
    x_train, x_test = to_model_input(x_train, channels=True), to_model_input(x_test, channels=True)
    target = 0.80 if quick else lab03.TARGETS["fashion_mnist"]
    recipe_epochs = 2 if quick else 15

    # The keras.io recipe: batch 128, 15 epochs, Adam, 10% validation split.
    reference_model = lab03.build_reference_cnn(10, "none")
    reference_model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    reference = _AccuracyClock(x_test, y_test)
    reference_model.fit(x_train, y_train, batch_size=128, epochs=recipe_epochs,
                        validation_split=0.1, verbose=0, callbacks=[reference])
    common = min(target, reference.final_accuracy)

    # Ours: lab 3's strong design and recipe, with several steps per call, stopped at the target.
    epochs = 4 if quick else lab03.RECIPES["strong"]["epochs"]
    steps = epochs * int(np.ceil(0.9 * len(x_train) / 128))
    model = lab03.build_strong_cnn(10, "flip")
    model.compile(optimizer=keras.optimizers.Adam(lab03.learning_rate_for(
        lab03.RECIPES["strong"]["learning_rate"], "cosine", steps)),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"],
        steps_per_execution=steps_per_execution())
    ours = _AccuracyClock(x_test, y_test, stop_at=target)
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1, verbose=0,
              callbacks=[ours])
    ours_to_target = ours.seconds_to(target)
    return BenchRow(
        "cnn to accuracy (lab 3)", f"s to {common:.1%} test", _rounded(ours.seconds_to(common)),
        _rounded(reference.seconds_to(common)), higher_is_better=False,
        ours_setting=f"strong CNN, cosine LR, steps_per_execution {steps_per_execution()}: "
                     f"lab target {target:.1%} "
                     + (f"reached in {ours_to_target:.1f} s" if ours_to_target is not None
                        else "NOT reached")
                     + f", {ours.final_accuracy:.2%} after {len(ours.points)} epochs",
        reference_setting=f"keras.io convnet, batch 128, {recipe_epochs} epochs, Adam: "
                          f"{reference.final_accuracy:.2%} test after "
                          f"{reference.points[-1][0]:.1f} s"
                          + ("" if common == target else
                             f" (never reached the {target:.1%} target: both are timed to "
                             f"its final accuracy)"),
        note=f"Fashion-MNIST, {len(x_train):,} training / {len(x_test):,} test images")


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 2)


class _EpochClock(keras.callbacks.Callback):
    """Wall time of each epoch, including every epoch-end hook of the callbacks before it."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


EPOCH_HOOKS = ("on_epoch_begin", "on_epoch_end")
BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
               "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end")


def overrides_batch_hooks(callback: keras.callbacks.Callback) -> list[str]:
    """The per-batch hooks ``callback`` implements. A per-batch hook that reads a metric makes
    the host wait for the device after every batch, which is what slows small steps on a GPU."""
    return [name for name in BATCH_HOOKS
            if getattr(type(callback), name) is not getattr(keras.callbacks.Callback, name)]


def _time_epoch_hooks(callbacks: list, spent: list[float]) -> None:
    """Wrap the epoch hooks of ``callbacks`` so the seconds spent in them add up in ``spent``."""
    for callback in callbacks:
        for name in EPOCH_HOOKS:
            original = getattr(callback, name)

            def timed(*args, _original=original, **kwargs):
                start = time.perf_counter()
                _original(*args, **kwargs)
                spent[0] += time.perf_counter() - start

            setattr(callback, name, timed)


def bench_callbacks(quick: bool) -> BenchRow:
    """What the toolkit's default callbacks add to an epoch (target: at most 2%).

    Two figures. The exact one: the time spent inside the callbacks' hooks, against the epoch
    time (none of them has a per-batch hook, so that is all they add). The end-to-end one:
    median epoch time with the callbacks vs without, interleaved; on sub-second epochs of a
    shared CPU its noise is several per cent. Epoch 1 (compilation) is left out of both; the
    learning-curve PNG is drawn once after training and is not part of an epoch.
    """
    import tempfile

    from toolkit.callbacks import default_callbacks
    from toolkit.runs import Run

    lab02 = importlib.import_module("labs.lab02_mlp_dropout")
    x, y, _ = _mlp_data(quick)
    split = int(0.9 * len(x))
    epochs = 4
    epoch_times: dict[bool, list[float]] = {False: [], True: []}
    hook_seconds, batch_hooks = 0.0, set()
    with tempfile.TemporaryDirectory() as out:
        run = Run.start("bench_callbacks", title="bench", argv=[], seed=0, out=out)
        # Interleaved, so drift on a shared machine hits both; 3 pairs x 3 timed epochs, so
        # the median of 9 sub-second epochs is not at the mercy of one slow one.
        for with_callbacks in (False, True) * 3:
            mlp = lab02.build_mlp(784, 10, width=512, depth=2, dropout=0.2)
            mlp.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
            clock = _EpochClock()
            callbacks = default_callbacks(run, patience=None, samples_per_epoch=split) \
                if with_callbacks else []
            for callback in callbacks:
                batch_hooks.update(overrides_batch_hooks(callback))
            spent = [0.0]
            _time_epoch_hooks(callbacks, spent)
            mlp.fit(x[:split], y[:split], validation_data=(x[split:], y[split:]),
                    epochs=epochs, batch_size=128, verbose=0, callbacks=[*callbacks, clock])
            epoch_times[with_callbacks] += clock.times[1:]
            if with_callbacks:  # the timed epochs' share (epoch 1 is left out)
                hook_seconds += spent[0] * (epochs - 1) / epochs
    bare, full = float(np.median(epoch_times[False])), float(np.median(epoch_times[True]))
    hooks_per_epoch = hook_seconds / len(epoch_times[True])
    return BenchRow("callbacks overhead", "% of epoch time", round(100 * hooks_per_epoch / bare, 2),
                    None, higher_is_better=False,
                    ours_setting=f"time inside default_callbacks' hooks (timer, history + record "
                                 f"save, LR on plateau, backup of the weights): {1000 * hooks_per_epoch:.1f} ms per "
                                 f"epoch; per-batch hooks: {', '.join(sorted(batch_hooks)) or 'none'}",
                    reference_setting="target <= 2%",
                    note=f"end to end (noisy): median epoch {full:.3f} s with callbacks vs "
                         f"{bare:.3f} s without ({100 * (full / bare - 1):+.1f}%); "
                         f"{len(epoch_times[True])} epochs each, epoch 1 left out")


WORKLOADS: dict[str, Callable[[bool], BenchRow]] = {
    "vgg16": bench_vgg16,
    "cnn": bench_cnn,
    "mlp": bench_mlp,
    "callbacks": bench_callbacks,
    "lstm": bench_lstm,
    "bert": bench_bert,
}


def format_table(rows: list[BenchRow]) -> str:
    """The rows as one console table, then a note per row that has one."""
    def ours(row: BenchRow) -> str:
        if row.ours is None:
            return "failed" if row.note.startswith("failed") else "not reached"
        return f"{row.ours:,.6g}"

    table = console_table(
        ["workload", "metric", "ours", "reference", "ratio", "setting"],
        [[row.workload, row.metric, ours(row),
          "n/a" if row.reference is None else f"{row.reference:,.6g}",
          "n/a" if row.ratio is None else f"{row.ratio:.2f}x",
          f"{row.ours_setting} | ref: {row.reference_setting}"] for row in rows])
    notes = [f"  {row.workload}: {row.note}" for row in rows if row.note]
    return table + ("\nnotes:\n" + "\n".join(notes) if notes else "")


def main(argv: list[str] | None = None) -> int:
    parser = SuggestingParser(
        prog="python benchmarks/lab_speed.py", description=__doc__.split("\n\n")[0],
        epilog="Workloads: " + ", ".join(WORKLOADS))
    parser.add_argument("--quick", action="store_true",
                        help="small data and few repeats: minutes on a CPU")
    parser.add_argument("--only", nargs="+", choices=list(WORKLOADS), metavar="NAME",
                        help="run only these workloads (" + ", ".join(WORKLOADS) + ")")
    parser.add_argument("--json", metavar="PATH", help="also write the table as JSON")
    parser.add_argument("--data-dir", help="folder with SST-2 for the bert workload (default "
                                           "$KERASCOURSE_DATA)")
    args = parser.parse_args(argv)
    if args.data_dir:
        import os

        os.environ["KERASCOURSE_DATA"] = args.data_dir
    hardware = hardware_info()
    backend = keras.config.backend()
    print(f"Benchmarking on {hardware['device']} with the {backend} backend"
          f"{' (quick)' if args.quick else ''}\n")
    rows = []
    for name in args.only or list(WORKLOADS):
        start = time.perf_counter()
        try:
            row = WORKLOADS[name](args.quick)
        except Exception as error:  # one failing workload must not hide the others
            row = BenchRow(name, "", None, None, note=f"failed: {type(error).__name__}: {error}")
        row.device, row.backend = hardware["device"], backend
        rows.append(row)
        print(f"{name}: {row.ours} vs {row.reference} {row.metric}"
              f"{'' if row.ratio is None else f' ({row.ratio:.2f}x)'}"
              f"{' ' + row.note if row.note.startswith('failed') else ''} "
              f"({time.perf_counter() - start:.1f} s)")
    print("\n" + format_table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump({"backend": backend, "hardware": hardware, "quick": args.quick,
                       "rows": [row.as_dict() for row in rows]}, stream, indent=2)
        print(f"\nwrote {args.json}")
    return 1 if any(row.note.startswith("failed") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
