"""Lab 5 - GloVe word embeddings and an LSTM sentiment classifier.

What you learn
    * what pretrained word vectors know: nearest neighbours by cosine similarity, analogies
      (king - man + woman), the Google word-analogy benchmark scored per section, and a
      2-D PCA map of word groups;
    * how text reaches a recurrent network: a vocabulary built from the training texts
      with ``<PAD>`` = 0 and ``<UNK>`` = 1, a sequence length chosen from the length
      distribution, padding and truncation, and what to do with words GloVe does not know
      (``--oov random|zero|mean|neighbors``: ``neighbors`` guesses a vector from the words
      around it in the training texts), with the coverage measured; ``--normalize`` makes
      every vector unit-length;
    * an Embedding layer initialised from GloVe, kept frozen for ``--freeze-epochs`` and
      then fine-tuned, feeding an encoder (``--encoder lstm bilstm gru cnn1d``: one or
      several, compared), optionally followed by LayerNorm (``--layer-norm``), with gradient
      clipping, dropout, early stopping and a checkpoint of the best epoch;
    * frozen vs fine-tuned vs randomly initialised embeddings, and the encoders, compared in
      one table (accuracy, parameters, time per epoch);
    * what fine-tuning did to the vectors: a PCA map of the learned embeddings beside the
      GloVe one.

Data
    ``--dataset sst2_glue`` (default): GLUE SST-2, 67,349 training phrases, evaluated on
    GLUE dev (872 sentences; GLUE's test labels are hidden, the published figures below are
    on the 1,821-sentence test split). ``--dataset sst2_sentences``: the Kim (2014) sentence
    splits with a labelled test split (6,920 training sentences). ``--data my.csv
    --text-column C --label-column L``: your own CSV/TSV (see lab 4).

Word vectors
    ``--glove 6B.100d`` (default) finds ``glove.6B.100d.txt`` through the data registry:
    in ``--data-dir``, in the Keras cache, or downloaded once (glove.6B.zip, 822 MB).
    Offline without it the lab stops in seconds and says what to download and where to put it.
    ``--glove-file PATH`` takes any GloVe-format text file, e.g. the 2,446-word 50-d subset
    in ``../shared/data/glove_6B_50d_subset``: it knows only the most frequent words, so most
    sentiment words fall back to the OOV strategy (the coverage report says how many).
    The parsed file is cached as ``.npz`` under the Keras cache folder (``~/.keras/datasets/glove_cache``,
    rebuilt if damaged); the record keeps the first and the cached load time.

Run
    python -m labs.lab05_glove_lstm --data-dir ../shared/data            # GloVe 6B 100d
    python -m labs.lab05_glove_lstm --data-dir ../shared/data --quick \\
        --glove-file ../shared/data/glove_6B_50d_subset/glove.6B.50d.top2446.txt
    python -m labs.lab05_glove_lstm --dataset sst2_sentences --bidirectional --glove-file ...
    python -m labs.lab05_glove_lstm --dataset sst2_sentences --embeddings fine-tuned \
        --encoder lstm bilstm gru cnn1d --glove-file ...      # one table of four encoders

Expected result and time (measured on this course's 2-core CPU shared with other jobs,
TensorFlow backend, seed 42, with the 2,446-word GloVe subset: 13% of the training words)
    GLUE SST-2: dev accuracy 76.0% frozen, 82.3% fine-tuned, 82.6% random embeddings, about
    10 minutes for the three. Kim sentence splits: test accuracy 65.2% / 75.5% / 78.3% in
    2.5 minutes. ``--quick``: about 70 s (30 s of CPU time); JAX about 90 s; PyTorch 2.13
    (CPU wheel, TensorFlow not installed) 17 s.
    Kim splits, ``--embeddings fine-tuned --encoder lstm bilstm gru cnn1d`` (2 minutes):
    test accuracy 71.1 / 74.4 / 73.9 / 71.2%, 2.6 / 4.4 / 2.6 / 1.1 s per epoch, 768k / 797k /
    760k / 748k parameters (the embedding is most of them). Fine-tuning at 0.001 barely moves
    the 50-d vectors (mean cosine to GloVe 0.999). The same LSTM with ``--oov neighbors
    --normalize --layer-norm``: 80.9% (30 s; the three together, not measured one by one),
    mean cosine 0.990, and "bad", "worst", "poor" leave "good" in the learned PCA map. The
    analogy subset: 60.0% with the 2,446-word GloVe file (family 88%, nationalities 100%,
    adverbs 11%).
    With the full GloVe 6B 100d file: not measured (it cannot be downloaded on this machine).
    On a GPU: not measured.
    Published (SST-2 test split): LSTM 84.9, BiLSTM 87.5 (Tai et al. 2015, 300-d GloVe
    840B), CNN-static 86.8 (Kim 2014, word2vec).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter
from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from toolkit import plots
from toolkit.callbacks import default_callbacks
from toolkit.cli import lab_parser, positive_int, run_main
from toolkit.distribute import DistributionPlan, add_distribute_flag
from toolkit.error_analysis import ErrorAnalysis
from toolkit.metrics import classification_metrics, measure_inference
from toolkit.plots import show  # noqa: F401  (the notebook cells call it)
from toolkit.resources import datasets_path
from toolkit.runs import Run, parameter_counts
from toolkit.text import plots as text_plots
from toolkit.text.data import TextDataset, add_text_data_arguments, load_from_args
from toolkit.text.glove import (
    OOV_STRATEGIES,
    GloveVectors,
    load_glove,
    read_analogies,
    resolve_glove,
)
from toolkit.text.processing import TOKENIZERS, Vocabulary, get_tokenizer, length_summary

LAB_ID = "lab05_glove_lstm"
TITLE = "GloVe embeddings and an LSTM"
EMBEDDING_MODES = ("frozen", "fine-tuned", "random")
ENCODERS = ("lstm", "bilstm", "gru", "cnn1d")
# The course's own analogy questions (capitals, family, plurals, tenses...; only words of the
# 2,446-word GloVe subset); word2vec's full questions-words.txt is used when it is found.
ANALOGY_SUBSET = "questions-words-subset.txt"
ANALOGY_FULL = "questions-words.txt"
QUICK_SIZES = {"train": 2000, "validation": 400, "test": 1000}

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
                 "cnn1d": "a 1-D CNN"}
WORD_GROUPS = {
    "positive": ["good", "great", "best", "love", "excellent", "wonderful", "beautiful", "funny"],
    "negative": ["bad", "worst", "terrible", "awful", "boring", "poor", "stupid", "dull"],
    "cinema": ["movie", "film", "actor", "director", "story", "scene", "cast", "screen"],
    "countries": ["france", "germany", "italy", "china", "japan", "britain", "russia", "canada"],
    "numbers": ["one", "two", "three", "ten", "hundred", "million"],
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's flags: the shared ones, the data flags, GloVe, sequences and the model."""
    parser = lab_parser(__doc__.split("\n\n")[0], epochs=10, batch_size=128)
    add_text_data_arguments(parser)
    add_distribute_flag(parser)
    vectors = parser.add_argument_group("word vectors")
    vectors.add_argument("--glove", default="6B.100d",
                         help="GloVe 6B vectors from the registry: 6B.50d, 6B.100d (default), "
                              "6B.200d, 6B.300d")
    vectors.add_argument("--glove-file", metavar="PATH",
                         help="any GloVe-format text file (wins over --glove)")
    vectors.add_argument("--oov", choices=OOV_STRATEGIES, default="random",
                         help="vector of a word GloVe lacks: random, zero, mean, or neighbors "
                              "(the mean vector of the words around it in the training "
                              "texts); default random")
    vectors.add_argument("--normalize", action="store_true",
                         help="scale every embedding row to unit length")
    vectors.add_argument("--analogies", metavar="PATH",
                         help="word-analogy questions in questions-words.txt format (default: "
                              "questions-words.txt in --data-dir if there, else the course's "
                              "subset)")
    sequences = parser.add_argument_group("sequences")
    sequences.add_argument("--tokenizer", choices=TOKENIZERS, default="regex",
                           help="tokenizer (default regex)")
    sequences.add_argument("--max-vocab", type=positive_int, default=20000,
                           help="vocabulary size including <PAD> and <UNK> (default 20000)")
    sequences.add_argument("--max-length", type=positive_int, default=None,
                           help="tokens per text (default: the 95th percentile of training "
                                "lengths)")
    model = parser.add_argument_group("model")
    model.add_argument("--embeddings", nargs="+", choices=EMBEDDING_MODES,
                       default=list(EMBEDDING_MODES),
                       help="embedding modes to train and compare (default all three)")
    model.add_argument("--freeze-epochs", type=int, default=2,
                       help="fine-tuned mode: epochs with the GloVe embedding frozen before "
                            "it is unfrozen (default 2)")
    model.add_argument("--encoder", nargs="+", choices=ENCODERS, default=None, dest="encoders",
                       help="sequence encoder(s) to train and compare: lstm (default), bilstm, "
                            "gru, cnn1d (convolution + global max pooling)")
    model.add_argument("--bidirectional", action="store_true",
                       help="short for --encoder bilstm")
    model.add_argument("--layer-norm", action="store_true",
                       help="LayerNormalization after the encoder")
    model.add_argument("--units", type=positive_int, default=64,
                       help="units of the encoder (LSTM / GRU units, CNN filters; default 64)")
    model.add_argument("--dropout", type=float, default=0.3, help="dropout rate (default 0.3)")
    model.add_argument("--clipnorm", type=float, default=1.0,
                       help="clip each gradient to this norm (default 1.0)")
    model.add_argument("--learning-rate", type=float, default=2e-3,
                       help="Adam learning rate (default 0.002)")
    model.add_argument("--fine-tune-learning-rate", type=float, default=1e-3,
                       help="Adam learning rate once the embedding is unfrozen (default 0.001)")
    model.add_argument("--patience", type=positive_int, default=2,
                       help="early-stopping patience in epochs (default 2)")
    config = parser.parse_args(argv)
    config.argv = list(argv or [])
    if config.encoders is None:
        config.encoders = ["bilstm" if config.bidirectional else "lstm"]
    elif config.bidirectional and "bilstm" not in config.encoders:
        parser.error("--bidirectional is short for --encoder bilstm: add bilstm to --encoder")
    config.encoders = list(dict.fromkeys(config.encoders))  # each once, in the given order
    if config.quick:
        config.epochs = min(config.epochs, 2)
        config.freeze_epochs = min(config.freeze_epochs, 1)
    if not 0 <= config.freeze_epochs < config.epochs:
        parser.error(f"--freeze-epochs must be at least 0 and below --epochs ({config.epochs})")
    if not 0 <= config.dropout < 1:
        parser.error("--dropout must be in [0, 1)")
    return config


# --- 1. data and word vectors -----------------------------------------------------------------

def load_data(config: argparse.Namespace) -> TextDataset:
    """Load SST-2 (or your file) as texts and integer labels; ``--quick`` takes a subset."""
    return load_from_args(config, QUICK_SIZES)


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


def analogy_file(config: argparse.Namespace) -> Path:
    """``--analogies``, else ``questions-words.txt`` in ``--data-dir``, else the subset."""
    if config.analogies:
        return Path(config.analogies).expanduser()
    if config.data_dir and (Path(config.data_dir) / ANALOGY_FULL).is_file():
        return Path(config.data_dir) / ANALOGY_FULL
    return datasets_path("analogies", ANALOGY_SUBSET)


def analogy_benchmark(glove: GloveVectors, config: argparse.Namespace, run: Run) -> str | None:
    """The word-analogy benchmark of Mikolov et al. (2013): accuracy per section.

    Each question "a b c d" asks whether ``d`` is the word nearest to ``b - a + c`` (the
    three question words excluded), searched among the 30,000 most frequent words.
    Semantic sections (capitals, family) and syntactic ones (plurals, tenses, comparatives)
    are scored apart. On the full file GloVe 6B 300d gets 77.4% semantic, 67.0% syntactic
    (Pennington et al. 2014, Table 2); the course's subset is small and easier (frequent
    words only), so read its figures as a comparison between settings, not with the paper.

    Returns:
        The path of the per-section figure (``None`` when no question could be answered).
    """
    path = analogy_file(config)
    questions = read_analogies(path)
    scores = glove.analogy_accuracy(questions)
    results = run.record["results"]
    results["analogy_benchmark"] = scores["sections"]
    results["analogy_total"] = {"file": str(path), **scores["total"]}
    total = scores["total"]
    print(f"word analogies ({path.name}): {total['correct']}/{total['answered']} correct "
          f"({total['accuracy']:.1%}) of {total['questions']} questions"
          if total["answered"] else f"word analogies ({path.name}): no question has all its "
                                    "words in this GloVe file")
    for row in scores["sections"]:
        if row["answered"]:
            print(f"  {row['section']:<28} {row['accuracy']:.1%} of {row['answered']}")
    run.save()
    if not total["answered"]:
        return None
    figure = text_plots.scores_figure(
        [(f"{row['section']} ({row['answered']})", row["accuracy"])
         for row in scores["sections"] if row["answered"]],
        run.path("analogies.png"),
        title=f"Word analogies per section: GloVe {glove.dim}-d, {len(glove):,} words "
              f"({path.name})", xlabel="accuracy (questions answered)")
    run.add_figure("analogies", figure)
    run.save()
    return str(figure)


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
            "cnn1d": f"Conv1D({config.units}, 3) -> GlobalMaxPooling1D"}[encoder]
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
        _merge_phases(run.record["results"], key, unfrozen)
    run.save()
    return model


def _merge_phases(results: dict, first: str, second: str) -> None:
    """Join the frozen and the unfrozen phase into one history and one training summary."""
    later = results.pop(second)
    merged = results[first]
    merged["history"] = merged["history"] + later["history"]
    scored = [row for row in merged["history"] if "val_loss" in row]
    best = min(scored, key=lambda row: row["val_loss"]) if scored else None
    merged["training"] = {
        "time_s": round(merged["training"]["time_s"] + later["training"]["time_s"], 3),
        "epochs_run": len(merged["history"]),
        "epoch_time_s": merged["training"]["epoch_time_s"] + later["training"]["epoch_time_s"],
        "samples_per_s": later["training"]["samples_per_s"],
        "best_epoch": best["epoch"] if best else None, "monitor": "val_loss",
        "stopped_early": later["training"]["stopped_early"],
        "unfrozen_at_epoch": later["history"][0]["epoch"] if later["history"] else None,
    }


def model_key(encoder: str, mode: str, config: argparse.Namespace) -> str:
    """The name of one trained model: the mode alone with one encoder, else both."""
    return mode if len(config.encoders) == 1 else f"{encoder} {mode}"


def compare_embeddings(sequences: dict, data: TextDataset, config: argparse.Namespace,
                       run: Run) -> tuple[dict, list[dict]]:
    """Train every encoder of ``--encoder`` with every mode of ``--embeddings``; one table.

    Each row: accuracy, parameters (all and trainable) and time per epoch (the mean over
    the epochs run, the first one included: it holds the compilation).

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
                model = train_mode(mode, sequences, data, config, run, plan, encoder=encoder,
                                   key=key)
                models[key] = model
                predicted = model.predict(sequences["x_test"], batch_size=512,
                                          verbose=0).argmax(axis=1)
                val_predicted = model.predict(sequences["x_val"], batch_size=512,
                                              verbose=0).argmax(1)
                training = run.record["results"][key]["training"]
                epoch_times = training["epoch_time_s"] or [training["time_s"]]
                parameters = parameter_counts(model)
                rows.append({
                    "model": key, "encoder": encoder, "embeddings": mode,
                    "parameters": parameters["total"],
                    "trainable_parameters": parameters["trainable"],
                    "epochs": training["epochs_run"], "best_epoch": training["best_epoch"],
                    "val_accuracy": round(accuracy_score(data.y_val, val_predicted), 4),
                    "test_accuracy": round(accuracy_score(data.y_test, predicted), 4),
                    "test_macro_f1": round(f1_score(data.y_test, predicted, average="macro"), 4),
                    "train_s": training["time_s"],
                    "epoch_s": round(float(np.mean(epoch_times)), 2),
                    "samples_per_s": training["samples_per_s"]})
                print(f"  {key}: val {rows[-1]['val_accuracy']:.4f}  {data.test_split} "
                      f"{rows[-1]['test_accuracy']:.4f}  ({training['time_s']:.0f} s, "
                      f"{rows[-1]['epoch_s']:.1f} s per epoch, {parameters['total']:,} "
                      f"parameters)")
    finally:
        plan.close()
    best = max(rows, key=lambda row: row["val_accuracy"])
    run.record["results"]["embedding_comparison"] = rows
    run.record["results"]["best_embeddings"] = {"mode": best["embeddings"],
                                                "encoder": best["encoder"],
                                                "key": best["model"],
                                                "chosen_by": "validation accuracy"}
    run.save()
    return models, rows


def comparison_figures(rows: list[dict], run: Run, test_split: str) -> str:
    """Validation curves of all modes in one figure, and the test accuracies beside the
    published LSTM / BiLSTM scores."""
    histories = {row["model"]: run.record["results"][row["model"]]["history"] for row in rows}
    overlay = text_plots.curves_overlay(histories, run.path("embedding_curves.png"),
                                        title="Validation curves of the compared models")
    run.add_figure("embedding_curves", overlay)
    references = {f"{r['model']} ({r['split']})": r["value"] for r in REFERENCES[:2]} \
        if run.record["dataset"]["name"].startswith("sst2") else None
    path = text_plots.scores_figure([(row["model"], row["test_accuracy"]) for row in rows],
                                    run.path("comparison.png"),
                                    title=f"Embeddings and encoders ({test_split} accuracy)",
                                    xlabel=f"{test_split} accuracy", references=references,
                                    zoom=True)
    run.add_figure("comparison", path)
    return str(overlay)


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
    """The most confident mistakes, with the share of unknown words in each sentence."""
    analysis = ErrorAnalysis(data.y_test, probabilities, data.class_names, texts=data.x_test)
    unknown = ((sequences["x_test"] == 1).sum(axis=1) /
               np.maximum((sequences["x_test"] > 0).sum(axis=1), 1)).round(3)
    run.record["misclassified"] = analysis.top_errors(25)
    for row in run.record["misclassified"]:
        row["unknown_word_share"] = float(unknown[row["index"]])
    run.record["results"]["errors"] = {
        **analysis.confidence_summary(),
        "most_confused": "; ".join(f"{true} -> {predicted}: {n}"
                                   for true, predicted, n in analysis.most_confused(5)),
        "mean_unknown_word_share_wrong": round(float(unknown[analysis.wrong].mean()), 4)
        if len(analysis.wrong) else None,
        "mean_unknown_word_share_all": round(float(unknown.mean()), 4)}
    analysis.write_csv(run.path("errors.csv"), extra_columns={"unknown_word_share": unknown})
    path = plots.misclassified_table(run.record["misclassified"], run.path("errors.png"),
                                     title=f"Misclassified {data.test_split} texts "
                                           f"(most confident first)")
    run.add_figure("errors", path)
    run.save()
    return str(path)


def record_reference(data: TextDataset, config: argparse.Namespace, run: Run) -> None:
    """Compare with Tai et al. (2015): LSTM 84.9 / BiLSTM 87.5 on the SST-2 test split."""
    run.record["results"]["references"] = REFERENCES
    if not data.name.startswith("sst2"):
        run.record["results"]["reference_note"] = "your own data: no published score"
        return
    best_encoder = run.record["results"]["best_embeddings"]["encoder"]
    reference = {"bilstm": REFERENCES[1], "cnn1d": REFERENCES[2]}.get(best_encoder,
                                                                       REFERENCES[0])
    glove = run.record["results"]["glove"]
    note = (f"measured on {data.test_split}"
            + (" (GLUE's test labels are hidden)" if data.test_split == "dev" else "")
            + f"; {glove['words']:,} GloVe words of {glove['dim']} dimensions (the paper: "
              "GloVe 840B, 300-d, 2.2M words)")
    run.set_reference(value=reference["value"], metric="accuracy", split=reference["split"],
                      citation=reference["citation"], source=f"SST-2 {reference['model']}",
                      note=note)


def finish(model: keras.Model, config: argparse.Namespace, run: Run) -> Path:
    """Save the best model (unless ``--no-save``), the record and the reflection draft."""
    run.save_model(model, skip=config.no_save)
    return run.finish()


NOTEBOOK_STEPS = [
    ("parse_args", "config = parse_args(ARGS)"),
    ("load_data", "data = load_data(config)"),
    ("load_embeddings", "glove = load_embeddings(config)"),
    ("start_run", "run = start_run(config, data, glove)"),
    ("explore_embeddings", "show(explore_embeddings(glove, run))"),
    ("analogy_benchmark", "show(analogy_benchmark(glove, config, run))"),
    ("build_sequences", "sequences = build_sequences(data, glove, config, run)\n"
                        "show(run.path('lengths.png'))"),
    ("coverage_report", "show(coverage_report(run))"),
    ("compare_embeddings", "models, rows = compare_embeddings(sequences, data, config, run)"),
    ("comparison_figures", "show(comparison_figures(rows, run, data.test_split))"),
    ("learned_embeddings", "show(learned_embeddings(models, sequences, glove, run))"),
    ("evaluate_best", "model, probabilities = evaluate_best(models, sequences, data, config, "
                      "run)\nshow(run.path('learning_curves.png'))"),
    ("analyse_errors", "show(analyse_errors(probabilities, data, sequences, run))"),
    ("record_reference", "record_reference(data, config, run)"),
    ("finish", "finish(model, config, run)"),
]


def main(argv: list[str] | None = None) -> int:
    """Run the whole lab: the steps of ``NOTEBOOK_STEPS``, in order."""
    config = parse_args(argv)
    data = load_data(config)
    glove = load_embeddings(config)
    run = start_run(config, data, glove)
    explore_embeddings(glove, run)
    analogy_benchmark(glove, config, run)
    sequences = build_sequences(data, glove, config, run)
    coverage_report(run)
    models, rows = compare_embeddings(sequences, data, config, run)
    comparison_figures(rows, run, data.test_split)
    learned_embeddings(models, sequences, glove, run)
    model, probabilities = evaluate_best(models, sequences, data, config, run)
    analyse_errors(probabilities, data, sequences, run)
    record_reference(data, config, run)
    finish(model, config, run)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
