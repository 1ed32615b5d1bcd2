"""Lab 5 - GloVe word embeddings and an LSTM sentiment classifier.

What you learn
    * what pretrained word vectors know: nearest neighbours by cosine similarity, analogies
      (king - man + woman), the Google word-analogy benchmark scored per section
      (analogies.py), and a 2-D PCA map of word groups;
    * how text reaches a recurrent network: a vocabulary built from the training texts
      with ``<PAD>`` = 0 and ``<UNK>`` = 1, a sequence length chosen from the length
      distribution, padding and truncation, and what to do with words GloVe does not know
      (``--oov random|zero|mean|neighbors``: ``neighbors`` guesses a vector from the words
      around it in the training texts), with the coverage measured; ``--normalize`` makes
      every vector unit-length;
    * an Embedding layer initialised from GloVe, kept frozen for ``--freeze-epochs`` and
      then fine-tuned, feeding an encoder (``--encoder lstm bilstm gru cnn1d attention``:
      one or several, compared; attention.py: a Transformer encoder block, its attention
      weights drawn), optionally followed by LayerNorm (``--layer-norm``), with gradient
      clipping, dropout, early stopping and a checkpoint of the best epoch;
    * frozen vs fine-tuned vs randomly initialised embeddings, and the encoders, compared in
      one table (accuracy, parameters, time per epoch; compare.py);
    * what fine-tuning did to the vectors: a PCA map of the learned embeddings beside the
      GloVe one;
    * a corpus streamed from its file with bounded memory (``--stream``, stream.py: a
      ``keras.utils.PyDataset``), its peak memory measured against the in-memory way.

Data
    ``--dataset sst2_glue`` (default): GLUE SST-2, 67,349 training phrases, evaluated on
    GLUE dev (872 sentences; GLUE's test labels are hidden). ``--dataset sst2_sentences``:
    the Kim (2014) sentence splits with a labelled test split (6,920 training sentences).
    ``--data my.csv --text-column C --label-column L``: your own CSV/TSV (see lab 4).

Word vectors
    ``--glove 6B.100d`` (default) finds ``glove.6B.100d.txt`` through the data registry:
    in ``--data-dir``, in the Keras cache, or downloaded once (glove.6B.zip, 822 MB).
    Offline without it the lab stops in seconds and names both the download and the small
    offline subset. ``--glove-file PATH`` takes any GloVe-format text file, e.g. the
    2,446-word 50-d subset in ``../shared/data/glove_6B_50d_subset``: it knows only the most
    frequent words, so most sentiment words fall back to the OOV strategy (the coverage
    report says how many). The parsed file is cached as ``.npz`` under the Keras cache
    folder (``~/.keras/datasets/glove_cache``); the record keeps both load times.

Run
    python -m labs.lab05_glove_lstm --data-dir ../shared/data            # GloVe 6B 100d
    python -m labs.lab05_glove_lstm --data-dir ../shared/data --quick \
        --glove-file ../shared/data/glove_6B_50d_subset/glove.6B.50d.top2446.txt
    python -m labs.lab05_glove_lstm --dataset sst2_sentences --bidirectional --glove-file ...
    python -m labs.lab05_glove_lstm --dataset sst2_sentences --embeddings fine-tuned \
        --encoder lstm bilstm gru cnn1d --glove-file ...      # one table of four encoders

What to expect (a 2-core CPU, TensorFlow, the 2,446-word GloVe subset)
    GLUE SST-2: about 76% dev accuracy with frozen vectors, 82% fine-tuned or random, in
    about 10 minutes for the three; the Kim sentence splits: 65-78% test accuracy in 2.5
    minutes; ``--quick``: about a minute. The small vector file knows only 13% of the
    training words: the full GloVe file should do better. Published (SST-2 test split):
    LSTM 84.9, BiLSTM 87.5 (Tai et al. 2015, 300-d GloVe 840B). The measured runs, with
    their commands and figures: RESULTS.md beside this file.
"""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter
from pathlib import Path

import keras
import numpy as np

from labs.lab05_glove_lstm import attention
from labs.lab05_glove_lstm.analogies import analogy_benchmark, analogy_file
from labs.lab05_glove_lstm.compare import comparison_figures, comparison_row, print_comparison
from labs.lab05_glove_lstm.label_audit import find_label_errors
from labs.lab05_glove_lstm.settings import QUICK_SIZES, parse_args
from labs.lab05_glove_lstm.stream import stream_corpus
from toolkit import plots
from toolkit.callbacks import default_callbacks, merge_phases
from toolkit.distribute import DistributionPlan
from toolkit.error_analysis import ErrorAnalysis
from toolkit.metrics import classification_metrics, measure_inference
from toolkit.runs import Run, parameter_counts
from toolkit.text import plots as text_plots
from toolkit.text.datasets import TextDataset, load_from_args
from toolkit.text.glove import GloveVectors, load_glove, read_analogies, resolve_glove
from toolkit.text.lab_runs import finish_trained_run, record_text_errors, set_sst2_reference
from toolkit.text.processing import Vocabulary, get_tokenizer, length_summary

LAB_ID = "lab05_glove_lstm"
TITLE = "GloVe embeddings and an LSTM"


TAI_2015 = ("K. S. Tai, R. Socher, C. D. Manning. Improved Semantic Representations From "
            "Tree-Structured Long Short-Term Memory Networks. ACL 2015, Table 2")
KIM_2014 = "Y. Kim. Convolutional Neural Networks for Sentence Classification. EMNLP 2014"
REFERENCES = [
    {"model": "LSTM", "value": 0.849, "split": "test", "citation": TAI_2015},
    {"model": "Bidirectional LSTM", "value": 0.875, "split": "test", "citation": TAI_2015},
    {"model": "CNN-static (frozen word2vec)", "value": 0.868, "split": "test",
     "citation": KIM_2014},
]

# Words for the exploration step; words missing from the GloVe file are skipped.
PROBE_WORDS = ["good", "bad", "movie", "funny", "boring", "love", "actor", "music"]
ANALOGIES = [("man", "king", "woman"), ("france", "paris", "germany"),
             ("good", "better", "bad"), ("he", "his", "she")]
ENCODER_NAMES = {"lstm": "an LSTM", "bilstm": "a BiLSTM", "gru": "a GRU",
                 "cnn1d": "a 1-D CNN", "attention": "a Transformer encoder"}
WORD_GROUPS = {
    "positive": ["good", "great", "best", "love", "excellent", "wonderful", "beautiful", "funny"],
    "negative": ["bad", "worst", "terrible", "awful", "boring", "poor", "stupid", "dull"],
    "cinema": ["movie", "film", "actor", "director", "story", "scene", "cast", "screen"],
    "countries": ["france", "germany", "italy", "china", "japan", "britain", "russia", "canada"],
    "numbers": ["one", "two", "three", "ten", "hundred", "million"],
}


# --- 1. data and word vectors -----------------------------------------------------------------

def load_embeddings(config: argparse.Namespace) -> GloveVectors:
    """Find and load the GloVe file; measure the first (parsing) and the cached load time.

    When this run parsed the text file, it loads once more from the fresh cache, so both
    times are known (``glove.load_info["times"]``). This happens before the run folder is
    made: a missing or malformed file (GloVe, or ``--analogies``) stops the lab without
    leaving a half-written run.
    """
    path = resolve_glove(config.glove, config.glove_file, config.data_dir)
    read_analogies(analogy_file(config))  # a bad --analogies file stops the lab here too
    glove = load_glove(path)
    times = {"parse_s": glove.load_info.get("parse_seconds"),
             "this_run_from_cache": glove.load_info["from_cache"]}
    if glove.load_info["from_cache"]:
        times["cached_load_s"] = glove.load_info["seconds"]
    else:
        times["cached_load_s"] = load_glove(path).load_info["seconds"]
    glove.load_info["times"] = times
    print(f"GloVe: {len(glove):,} words x {glove.dim} from {path}; parsed in "
          f"{times['parse_s']} s, loaded from cache in {times['cached_load_s']} s")
    return glove


def start_run(config: argparse.Namespace, data: TextDataset, glove: GloveVectors) -> Run:
    """Create the run folder and record the data set, the word vectors and every setting."""
    keys = ("glove", "glove_file", "oov", "normalize", "tokenizer", "max_vocab", "max_length",
            "embeddings", "encoders", "layer_norm", "freeze_epochs", "units", "dropout",
            "clipnorm", "learning_rate",
            "fine_tune_learning_rate", "patience", "epochs", "batch_size")
    hyperparameters = {key: getattr(config, key) for key in keys}
    if config.glove_file:  # the registry's name is unused then: the record names only the file
        del hyperparameters["glove"]
    hyperparameters["optimizer"] = "Adam"
    run = Run.start(LAB_ID, title=TITLE, argv=config.argv, seed=config.seed, out=config.out,
                    quick=config.quick, dataset=data.describe(), hyperparameters=hyperparameters,
                    task=(f"sentence classification ({len(data.class_names)} classes) with GloVe "
                          f"embeddings and {' / '.join(ENCODER_NAMES[e] for e in config.encoders)}"
                          ))
    # Flat rows and scalars throughout: the reflection draft shows each as a table.
    run.record["results"]["glove"] = {
        "source": glove.source, "words": len(glove), "dim": glove.dim,
        "cache": glove.load_info.get("cache"), **glove.load_info["times"]}
    run.save()
    return run


# --- 2. what the vectors know -----------------------------------------------------------------

def explore_embeddings(glove: GloveVectors, run: Run) -> str | None:
    """Nearest neighbours, analogies and a 2-D PCA map: what do the vectors know?

    Returns:
        The PCA figure's path (``None`` when too few of the chosen words are in the file).
    """
    probes = [word for word in PROBE_WORDS if word in glove] or glove.words[:4]
    neighbours = {word: glove.nearest(word, k=8) for word in probes}
    analogies = [{"question": f"{a} : {b} = {c} : ?", "answers": glove.analogy(a, b, c, k=5)}
                 for a, b, c in ANALOGIES if all(word in glove for word in (a, b, c))]
    for word, near in neighbours.items():
        print(f"  nearest to {word!r}: {', '.join(w for w, _ in near)}")
    for analogy in analogies:
        print(f"  {analogy['question']} {analogy['answers'][0][0]}")
    groups = {name: {w: glove[w] for w in words if w in glove}
              for name, words in WORD_GROUPS.items()}
    results = run.record["results"]
    results["nearest_neighbours"] = [
        {"word": word, "nearest (cosine)": ", ".join(f"{w} {score:.2f}" for w, score in near)}
        for word, near in neighbours.items()]
    results["analogies"] = [
        {"question": a["question"],
         "answers (cosine)": ", ".join(f"{w} {score:.2f}" for w, score in a["answers"])}
        for a in analogies]
    results["pca_words"] = [
        {"group": name, "in GloVe": ", ".join(groups[name]),
         "missing": ", ".join(w for w in words if w not in glove)}
        for name, words in WORD_GROUPS.items()]
    path = text_plots.word_groups_figure(groups, run.path("glove_pca.png"),
                                         title=f"GloVe {glove.dim}-d vectors, PCA to 2-D")
    run.add_figure("glove_pca", path)
    run.save()
    return str(path) if path else None

# --- 3. vocabulary, sequences, embedding matrix -----------------------------------------------

def build_sequences(data: TextDataset, glove: GloveVectors, config: argparse.Namespace,
                    run: Run) -> dict:
    """Tokenize, build the vocabulary, choose the length, pad, and make the embedding matrix.

    The vocabulary comes from the training split only. GloVe coverage is measured on it by
    distinct word (types) and by occurrence (tokens); the test split's unknown-word rate is
    what the model meets at test time.

    Returns:
        ``{"x_train", "x_val", "x_test", "vocabulary", "length", "matrix"}``.
    """
    tokenize = get_tokenizer(config.tokenizer)
    tokens = {split: [tokenize(text) for text in texts] for split, texts in
              (("train", data.x_train), ("val", data.x_val), ("test", data.x_test))}
    counts = Counter(token for text in tokens["train"] for token in text)
    vocabulary = Vocabulary(counts, max_size=config.max_vocab)
    lengths = [len(text) for text in tokens["train"]]
    summary = length_summary(lengths)
    length = config.max_length or summary["chosen_length"]
    matrix, matrix_coverage = glove.embedding_matrix(vocabulary.tokens, oov=config.oov,
                                                     seed=config.seed,
                                                     normalize=config.normalize,
                                                     contexts=tokens["train"])
    words = glove.coverage(counts, top_missing=20)
    coverage = {
        "training_words": words["vocabulary"], "in_glove": words["hits"],
        "not_in_glove": words["misses"], "type_coverage": words["type_coverage"],
        "token_coverage": words["token_coverage"], "oov_strategy": config.oov,
        "vocabulary_size": len(vocabulary), "dropped_rare_tokens": vocabulary.dropped,
        "matrix_rows_from_glove": matrix_coverage["hits"],
        "matrix_rows_oov": matrix_coverage["misses"],
        # --oov neighbors: how many unknown words got a guess from their neighbours (the rest
        # never stood next to a word GloVe knows and got the mean vector).
        "oov_rows_from_neighbours": matrix_coverage.get("neighbor_rows"),
        "unit_length_rows": config.normalize,
        **{f"unknown_rate_{split}": round(vocabulary.unknown_rate(tokens[split]), 4)
           for split in tokens}}
    results = run.record["results"]
    results["sequences"] = {"tokenizer": config.tokenizer, "length": length, **summary}
    results["coverage"] = coverage
    results["missing_words"] = [{"word": word, "count": n} for word, n in words["top_missing"]]
    figure = text_plots.length_histogram(lengths, length, run.path("lengths.png"))
    run.add_figure("lengths", figure)
    run.save()
    print(f"vocabulary {len(vocabulary):,} tokens; sequence length {length} "
          f"({summary['truncated_share']:.1%} of training texts cut)")
    print(f"GloVe coverage: {words['hits']:,} of {words['vocabulary']:,} distinct training "
          f"words ({words['type_coverage']:.1%}), {words['token_coverage']:.1%} of word "
          f"occurrences; OOV rows: {config.oov}")
    return {"x_train": vocabulary.encode_padded(tokens["train"], length),
            "x_val": vocabulary.encode_padded(tokens["val"], length),
            "x_test": vocabulary.encode_padded(tokens["test"], length),
            "vocabulary": vocabulary, "length": length, "matrix": matrix}


def coverage_report(run: Run) -> str:
    """A figure of the coverage: share of distinct words and of occurrences GloVe knows, and
    the most frequent training words it lacks."""
    coverage = run.record["results"]["coverage"]
    items = [("distinct training words", coverage["type_coverage"]),
             ("word occurrences (train)", coverage["token_coverage"]),
             (f"word occurrences ({run.record['dataset']['test_split']})",
              1 - coverage["unknown_rate_test"])]
    path = text_plots.scores_figure(items, run.path("coverage.png"),
                                    title="GloVe coverage of the training vocabulary",
                                    xlabel="share found in GloVe")
    run.add_figure("coverage", path)
    missing = ", ".join(row["word"] for row in run.record["results"]["missing_words"][:12])
    print(f"most frequent words GloVe lacks: {missing}")
    return str(path)


# --- 4. the model -----------------------------------------------------------------------------

def build_model(sequences: dict, n_classes: int, config: argparse.Namespace, *,
                mode: str, encoder: str | None = None) -> keras.Model:
    """Embedding -> encoder -> (LayerNorm) -> dropout -> softmax.

    ``mode`` picks the embedding: ``"frozen"`` (GloVe, never trained), ``"fine-tuned"``
    (GloVe, frozen first - the caller unfreezes it later), ``"random"`` (uniform noise,
    trained from scratch). ``encoder`` (default: the first of ``--encoder``) turns the
    sequence of word vectors into one vector: ``lstm``, ``bilstm`` (an LSTM reading each
    way), ``gru`` (fewer gates than an LSTM: ~25% fewer weights), or ``cnn1d`` (filters over
    windows of 3 words and the maximum over the sentence: no recurrence, fast on a CPU).

    ``mask_zero=True`` makes the recurrent encoders skip the ``<PAD>`` positions; the CNN
    does not use a mask (a padding row is zero, and the max over a sentence rarely picks it).
    """
    encoder = encoder or config.encoders[0]
    recurrent = encoder != "cnn1d"
    vocabulary_size, dim = sequences["matrix"].shape
    inputs = keras.Input(shape=(sequences["length"],), dtype="int32", name="token_ids")
    embedding = keras.layers.Embedding(
        vocabulary_size, dim, mask_zero=recurrent, name="embedding",
        weights=None if mode == "random" else [sequences["matrix"]],
        trainable=mode == "random")
    x = embedding(inputs)
    x = keras.layers.SpatialDropout1D(config.dropout, name="word_dropout")(x)
    if encoder == "lstm":
        x = keras.layers.LSTM(config.units, name="lstm")(x)
    elif encoder == "bilstm":
        x = keras.layers.Bidirectional(keras.layers.LSTM(config.units, name="lstm"),
                                       name="bilstm")(x)
    elif encoder == "gru":
        x = keras.layers.GRU(config.units, name="gru")(x)
    elif encoder == "attention":  # attention.py: position embedding + TransformerEncoder
        x = attention.transformer_encoder(x, inputs, config.units, config.dropout,
                                          sequences["length"])
    else:
        x = keras.layers.Conv1D(config.units, 3, padding="same", activation="relu",
                                name="conv1d")(x)
        x = keras.layers.GlobalMaxPooling1D(name="max_over_time")(x)
    if config.layer_norm:
        x = keras.layers.LayerNormalization(name="layer_norm")(x)
    x = keras.layers.Dropout(config.dropout, name="dropout")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="classes")(x)
    model = keras.Model(inputs, outputs, name=f"{encoder}_{mode.replace('-', '_')}")
    compile_model(model, config.learning_rate, config.clipnorm)
    return model


def describe_layers(model_key: str, sequences: dict, n_classes: int,
                    config: argparse.Namespace, encoder: str) -> str:
    """One line naming the layers of a model, for the record."""
    body = {"lstm": f"LSTM({config.units})", "bilstm": f"Bidirectional LSTM({config.units})",
            "gru": f"GRU({config.units})",
            "cnn1d": f"Conv1D({config.units}, 3) -> GlobalMaxPooling1D",
            "attention": attention.describe(config.units)}[encoder]
    return (f"Embedding({len(sequences['vocabulary']):,} x {sequences['matrix'].shape[1]})"
            f" -> {body}{' -> LayerNorm' if config.layer_norm else ''}"
            f" -> Dropout({config.dropout}) -> Dense({n_classes}, softmax)")


def compile_model(model: keras.Model, learning_rate: float, clipnorm: float) -> None:
    """Adam with gradient clipping (an LSTM's gradients can explode on long texts).

    Compile again after changing ``trainable``: Keras builds the training step at compile.
    """
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def _fit(model, sequences, data, config, run, *, key, epochs, initial_epoch, checkpoint,
         batch_size):
    callbacks = default_callbacks(run, patience=config.patience, key=key, curves=False,
                                  samples_per_epoch=len(sequences["x_train"]))
    if checkpoint is not None:
        callbacks.append(checkpoint)
    model.fit(sequences["x_train"], data.y_train, batch_size=batch_size,
              validation_data=(sequences["x_val"], data.y_val), epochs=epochs,
              initial_epoch=initial_epoch, callbacks=callbacks, verbose=2)


def train_mode(mode: str, sequences: dict, data: TextDataset, config: argparse.Namespace,
               run: Run, plan: DistributionPlan | None = None, *, encoder: str | None = None,
               key: str | None = None) -> keras.Model:
    """Train one embedding mode (with one encoder); fine-tuned trains frozen first, then
    unfrozen.

    The history lands in ``run.record["results"][key]`` (``key`` defaults to ``mode``;
    with several encoders it is e.g. ``"gru fine-tuned"``); the best epoch (lowest
    validation loss) is checkpointed to ``best_<key>.keras`` unless ``--no-save``. With
    ``--distribute``
    (``plan``) every batch is split over the devices and the learning rates are scaled by
    their number (see ``toolkit.distribute``).
    """
    key = key or mode
    print(f"--- embeddings: {mode}" + (f", encoder: {encoder}" if encoder else ""))
    replicas = plan.replicas if plan else 1
    batch_size = plan.global_batch if plan else config.batch_size
    scope = plan.scope() if plan else contextlib.nullcontext()
    with scope:  # a multi-device strategy must own the weights from the start
        model = build_model(sequences, len(data.class_names), config, mode=mode,
                            encoder=encoder)
        if replicas > 1:
            compile_model(model, config.learning_rate * replicas, config.clipnorm)
    checkpoint = None if config.no_save else keras.callbacks.ModelCheckpoint(
        str(run.path(f"best_{key.replace(' ', '_')}.keras")), monitor="val_loss",
        save_best_only=True)

    def unfreeze():
        model.get_layer("embedding").trainable = True
        with plan.scope() if plan else contextlib.nullcontext():
            compile_model(model, config.fine_tune_learning_rate * replicas, config.clipnorm)

    if mode != "fine-tuned" or config.freeze_epochs == 0:
        if mode == "fine-tuned":
            unfreeze()
        _fit(model, sequences, data, config, run, key=key, epochs=config.epochs,
             initial_epoch=0, checkpoint=checkpoint, batch_size=batch_size)
    else:
        _fit(model, sequences, data, config, run, key=key, epochs=config.freeze_epochs,
             initial_epoch=0, checkpoint=checkpoint, batch_size=batch_size)
        unfreeze()
        unfrozen = f"{key} (unfrozen)"
        _fit(model, sequences, data, config, run, key=unfrozen, epochs=config.epochs,
             initial_epoch=config.freeze_epochs, checkpoint=checkpoint, batch_size=batch_size)
        merge_phases(run.record["results"], key, unfrozen)
    run.save()
    return model

def model_key(encoder: str, mode: str, config: argparse.Namespace) -> str:
    """The name of one trained model: the mode alone with one encoder, else both."""
    return mode if len(config.encoders) == 1 else f"{encoder} {mode}"


def compare_embeddings(sequences: dict, data: TextDataset, config: argparse.Namespace,
                       run: Run) -> tuple[dict, list[dict]]:
    """Train every encoder of ``--encoder`` with every mode of ``--embeddings``; one table
    (compare.py): accuracy, parameters and time per epoch of each model.

    Returns:
        ``(models by key, table rows)``; the best model is chosen by validation accuracy.
    """
    models, rows = {}, []
    plan = DistributionPlan.create(enabled=config.distribute, per_replica_batch=config.batch_size,
                                   learning_rate=config.learning_rate)
    run.record["hyperparameters"]["distribution"] = plan.describe()
    try:
        for encoder in config.encoders:
            for mode in config.embeddings:
                key = model_key(encoder, mode, config)
                models[key] = train_mode(mode, sequences, data, config, run, plan,
                                         encoder=encoder, key=key)
                rows.append(comparison_row(models[key], key, encoder, mode, sequences, data, run))
    finally:
        plan.close()
    print_comparison(rows, data.test_split)
    best = max(rows, key=lambda row: row["val_accuracy"])
    run.record["results"]["embedding_comparison"] = rows
    run.record["results"]["best_embeddings"] = {"mode": best["embeddings"],
                                                "encoder": best["encoder"],
                                                "key": best["model"],
                                                "chosen_by": "validation accuracy"}
    run.save()
    return models, rows


def learned_embeddings(models: dict, sequences: dict, glove: GloveVectors,
                       run: Run) -> str | None:
    """What training did to the word vectors: PCA maps of the same words before and after.

    The left map is GloVe; beside it, the rows of the trained Embedding layer of the
    fine-tuned model (and of the random one, trained from scratch), for the words of
    ``WORD_GROUPS`` that are in the training vocabulary. Fine-tuning on sentiment tends to
    pull "good" and "bad" apart even where GloVe keeps them close (they occur in the same
    contexts). Also recorded: the mean cosine similarity between each word's GloVe vector
    and its fine-tuned vector (1.0: unchanged), and the nearest neighbours of a few words
    after fine-tuning.

    Returns:
        The figure's path, or ``None`` when no trained embedding was compared (only
        ``--embeddings frozen``) or too few of the words are in the vocabulary.
    """
    best_encoder = run.record["results"]["best_embeddings"]["encoder"]
    trained = {}
    for mode in ("fine-tuned", "random"):
        for key in (mode, f"{best_encoder} {mode}"):  # see model_key
            if key in models:
                trained[mode] = models[key]
    if not trained:
        print("learned embeddings: only frozen embeddings were trained: nothing to compare")
        return None
    index = sequences["vocabulary"].index
    words = {name: [w for w in group if w in index and w in glove]
             for name, group in WORD_GROUPS.items()}
    panels = {f"GloVe {glove.dim}-d (before training)":
              {name: {w: glove[w] for w in group} for name, group in words.items()}}
    summary = {}
    for mode, model in trained.items():
        matrix = keras.ops.convert_to_numpy(model.get_layer("embedding").embeddings)
        title = "after fine-tuning" if mode == "fine-tuned" else "trained from scratch (random)"
        panels[title] = {name: {w: matrix[index[w]] for w in group}
                         for name, group in words.items()}
        if mode == "fine-tuned":
            known = [i for token, i in index.items() if token in glove and i > 1]
            before = sequences["matrix"][known]
            after = matrix[known]
            cosine = (before * after).sum(1) / np.maximum(
                np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1), 1e-8)
            learned = GloveVectors(sequences["vocabulary"].tokens[2:], matrix[2:])
            summary = {"mean_cosine_glove_vs_fine_tuned": round(float(cosine.mean()), 4),
                       "words_compared": len(known)}
            for word in ("good", "bad"):
                if word in learned and word in glove:
                    summary[f"nearest to '{word}' after fine-tuning"] = ", ".join(
                        w for w, _ in learned.nearest(word, k=6))
    run.record["results"]["learned_embeddings"] = summary
    path = text_plots.word_groups_panels(
        panels, run.path("learned_embeddings_pca.png"),
        title=f"Word vectors before and after training ({best_encoder}), PCA to 2-D "
              f"(each panel its own PCA)")
    if path is None:
        print("learned embeddings: too few of the PCA words are in the training vocabulary")
        return None
    run.add_figure("learned_embeddings_pca", path)
    run.save()
    if summary:
        print(f"learned embeddings: mean cosine(GloVe, fine-tuned) "
              f"{summary['mean_cosine_glove_vs_fine_tuned']:.3f} over "
              f"{summary['words_compared']:,} words")
    return str(path)


# --- 5. the best model, evaluated -------------------------------------------------------------

def evaluate_best(models: dict, sequences: dict, data: TextDataset, config: argparse.Namespace,
                  run: Run) -> tuple[keras.Model, np.ndarray]:
    """Metrics, learning curves, confusion matrix and inference speed of the best mode."""
    chosen = run.record["results"]["best_embeddings"]
    best = chosen["key"]
    model = models[best]
    results = run.record["results"][best]
    run.record["history"] = results["history"]
    run.record["training"] = results["training"]
    run.record["model"] = {
        "name": model.name, "embeddings": chosen["mode"], "encoder": chosen["encoder"],
        "parameters": parameter_counts(model),
        "layers": describe_layers(best, sequences, len(data.class_names), config,
                                  chosen["encoder"])}
    curves = plots.learning_curves(results["history"], run.path("learning_curves.png"),
                                   title=f"Learning curves ({best} embeddings)")
    run.add_figure("learning_curves", curves)
    probabilities = model.predict(sequences["x_test"], batch_size=512, verbose=0)
    run.record["metrics"] = classification_metrics(data.y_test, probabilities.argmax(axis=1),
                                                   data.class_names)
    run.record["metrics"]["split"] = data.test_split
    run.record["inference"] = measure_inference(
        model.predict_on_batch, sequences["x_test"],
        batch_size=min(config.batch_size, len(sequences["x_test"])))
    path = plots.confusion_matrix(run.record["metrics"]["confusion_matrix"], data.class_names,
                                  run.path("confusion_matrix.png"),
                                  title=f"Confusion matrix ({data.test_split}, {best})")
    run.add_figure("confusion_matrix", path)
    run.save()
    print(f"best model by validation accuracy: {best}; {data.test_split} accuracy "
          f"{run.record['metrics']['accuracy']:.4f}")
    return model, probabilities


def analyse_errors(probabilities: np.ndarray, data: TextDataset, sequences: dict,
                   run: Run) -> str:
    """The most confident mistakes, with the share of unknown words in each sentence: are the
    mistakes where GloVe (and the vocabulary) knew fewer of the words?"""
    analysis = ErrorAnalysis(data.y_test, probabilities, data.class_names, texts=data.x_test)
    unknown = ((sequences["x_test"] == 1).sum(axis=1) /
               np.maximum((sequences["x_test"] > 0).sum(axis=1), 1)).round(3)
    summary = {"mean_unknown_word_share_wrong": round(float(unknown[analysis.wrong].mean()), 4)
               if len(analysis.wrong) else None,
               "mean_unknown_word_share_all": round(float(unknown.mean()), 4)}
    return record_text_errors(run, analysis, data.test_split,
                              extra_columns={"unknown_word_share": unknown}, summary=summary)


def finish(model: keras.Model, data: TextDataset, config: argparse.Namespace, run: Run) -> Path:
    """Compare with Tai et al. (2015) (LSTM 84.9%, BiLSTM 87.5% on the SST-2 test split) or
    Kim (2014) for the CNN, save the best model (unless ``--no-save``), write record.json
    and the REFLECTION.md draft."""
    best_encoder = run.record["results"]["best_embeddings"]["encoder"]
    reference = {"bilstm": REFERENCES[1], "cnn1d": REFERENCES[2]}.get(best_encoder,
                                                                       REFERENCES[0])
    glove = run.record["results"]["glove"]
    set_sst2_reference(run, data, reference, REFERENCES,
                       detail=f"{glove['words']:,} GloVe words of {glove['dim']} dimensions "
                              "(the paper: GloVe 840B, 300-d, 2.2M words)")
    return finish_trained_run(model, run, no_save=config.no_save)


def main(argv: list[str] | None = None) -> int:
    """The whole lab, step by step (each statement is one cell of the notebook)."""
    config = parse_args(argv)
    data = load_from_args(config, QUICK_SIZES)
    glove = load_embeddings(config)
    run = start_run(config, data, glove)
    explore_embeddings(glove, run)
    analogy_benchmark(glove, config, run)
    sequences = build_sequences(data, glove, config, run)
    coverage_report(run)
    models, rows = compare_embeddings(sequences, data, config, run)
    comparison_figures(rows, run, data.test_split, REFERENCES[:2])
    attention.draw_attention(models, rows, sequences, data, run)
    stream_corpus(sequences, glove, data, config, run, build_model)
    learned_embeddings(models, sequences, glove, run)
    model, probabilities = evaluate_best(models, sequences, data, config, run)
    analyse_errors(probabilities, data, sequences, run)
    find_label_errors(probabilities, data, sequences, config, run)  # --label-audit
    finish(model, data, config, run)
    return 0
