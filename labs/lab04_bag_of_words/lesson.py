"""Lab 4 - Text processing and bag-of-words sentiment classification.

What you learn
    * how text becomes tokens: tokenizers (NLTK's rule-based ones and a regular expression),
      lower-casing, stop words (and why removing them can hurt sentiment: "not" is one),
      Porter stemming vs lemmatization (``--lemmatize``: NLTK's WordNet when its data is
      installed, else simplemma, whose lemma table ships with the package);
    * three bag-of-words representations - binary, counts, TF-IDF - as sparse matrices,
      with n-grams and vocabulary limits (``--ngrams``, ``--max-features``, ``--min-df``,
      ``--max-df``), of words or of characters inside words (``--analyzer char_wb``);
    * three linear classifiers (logistic regression, linear SVM, multinomial naive Bayes)
      compared in one table, with an optional grid search (``--grid-search``,
      grid_search.py) of each classifier's regularization and of the vectorizer itself in a
      scikit-learn ``Pipeline``, so every fold counts its own n-grams;
    * a rule-based baseline in the same table: the VADER sentiment lexicon (lexicon.py), no
      training at all (binary sentiment data only);
    * text processing measured, one classifier throughout: raw vs lower-cased vs stop words
      removed vs stemmed vs lemmatized (``--preprocessing-grid``, your own list with
      ``--stop-words-file``), words vs character n-grams vs lab 6's word pieces
      (``--compare-tokens``), parts of speech kept or dropped (``--pos-filter``);
    * the most influential tokens of each class as bars and as word clouds;
    * the same logistic regression as a one-layer Keras network on the TF-IDF matrix,
      trained with the course callbacks: both worlds reach the same accuracy.

Data
    ``--dataset sst2_glue`` (default): GLUE SST-2, 67,349 labelled training phrases; the
    test split is GLUE dev (872 sentences) because GLUE hides its test labels, while the
    published figures are on the 1,821-sentence SST-2 test split.
    ``--dataset sst2_sentences``: the sentence splits of Kim (2014) with a labelled test
    split (6,920 training sentences, no phrases: expect 2-3 points less).
    ``--data my.csv --text-column review --label-column topic``: any CSV/TSV, two or more
    classes, string or integer labels; a stratified 20% is held out unless ``--test-data``.

Run
    python -m labs.lab04_bag_of_words --data-dir ../shared/data            # full SST-2
    python -m labs.lab04_bag_of_words --data-dir ../shared/data --quick    # < 1 minute
    python -m labs.lab04_bag_of_words --dataset sst2_sentences --grid-search
    python -m labs.lab04_bag_of_words --dataset sst2_sentences --analyzer char_wb
    python -m labs.lab04_bag_of_words --dataset sst2_sentences --lemmatize auto

What to expect (a 2-core CPU; the lab is CPU-bound, a GPU does not help)
    GLUE SST-2, full data: about 81% dev accuracy for every classifier and for the Keras
    network, which agrees with scikit-learn's logistic regression on about 99% of the
    sentences; about 8 minutes, most of it the Keras network. The Kim sentence splits:
    79-82% test accuracy in 30 s. ``--quick``: about 30 s. Published (SST-2 test split):
    naive Bayes 81.8%, SVM 79.4%, bigram naive Bayes 83.1% (Socher et al. 2013). The
    measured runs, with their commands and figures: RESULTS.md beside this file.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import Counter
from pathlib import Path

import keras
import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from labs.lab04_bag_of_words.grid_search import grid_search
from labs.lab04_bag_of_words.label_audit import find_label_errors
from labs.lab04_bag_of_words.lexicon import lexicon_baseline
from labs.lab04_bag_of_words.pos_filter import pos_filter
from labs.lab04_bag_of_words.preprocessing_grid import preprocessing_grid
from labs.lab04_bag_of_words.settings import QUICK_SIZES, REPRESENTATIONS, parse_args
from labs.lab04_bag_of_words.token_units import compare_token_units
from toolkit import plots
from toolkit.callbacks import default_callbacks
from toolkit.error_analysis import ErrorAnalysis
from toolkit.errors import CourseError
from toolkit.formats import console_table
from toolkit.metrics import classification_metrics, measure_inference
from toolkit.runs import Run, parameter_counts
from toolkit.text import plots as text_plots
from toolkit.text.datasets import TextDataset, load_from_args
from toolkit.text.lab_runs import finish_trained_run, record_text_errors, set_sst2_reference
from toolkit.text.processing import (
    NEGATIONS,
    TOKENIZERS,
    TextPreprocessor,
    get_lemmatizer,
    get_stemmer,
    get_tokenizer,
    nltk_status,
    stop_words,
    token_counts,
)

LAB_ID = "lab04_bag_of_words"
TITLE = "Text processing and bag-of-words classification"


# Published SST-2 binary accuracies (sentence level, test split) of bag-of-words models.
SOCHER_2013 = ("R. Socher et al. Recursive Deep Models for Semantic Compositionality Over a "
               "Sentiment Treebank. EMNLP 2013, Table 1")
REFERENCES = [
    {"model": "Naive Bayes (unigrams)", "value": 0.818, "dataset": "SST-2", "split": "test",
     "citation": SOCHER_2013},
    {"model": "SVM (unigrams)", "value": 0.794, "dataset": "SST-2", "split": "test",
     "citation": SOCHER_2013},
    {"model": "Naive Bayes (bigrams, BiNB)", "value": 0.831, "dataset": "SST-2",
     "split": "test", "citation": SOCHER_2013},
    {"model": "bag of words (bnc)", "value": 0.878, "dataset": "IMDB", "split": "test",
     "citation": "A. L. Maas et al. Learning Word Vectors for Sentiment Analysis. ACL 2011"},
    {"model": "NBSVM-bi", "value": 0.9122, "dataset": "IMDB", "split": "test",
     "citation": "S. Wang, C. D. Manning. Baselines and Bigrams: Simple, Good Sentiment and "
                 "Topic Classification. ACL 2012"},
]

EXAMPLE_SENTENCES = [
    "It wasn't the worst film I've seen -- but it's close!",
    "The actors (Ms. Smith especially) don't over-act; 10/10 :)",
    "Not bad at all, really: a re-imagining that works.",
]


# --- 1. data ----------------------------------------------------------------------------------

def start_run(config: argparse.Namespace, data: TextDataset) -> Run:
    """Create the run folder and record the data set and every setting."""
    hyperparameters = {
        "representations": config.representations, "classifiers": config.classifiers,
        "analyzer": config.analyzer, "ngram_range": list(config.ngrams),
        "lemmatizer": config.lemmatize, "max_features": config.max_features,
        "min_df": config.min_df, "max_df": config.max_df, "tokenizer": config.tokenizer,
        "stop_words": config.stop_words, "stemmer": config.stem, "C": config.C,
        "grid_search": config.grid_search, "keras_epochs": config.epochs,
        "keras_batch_size": config.batch_size, "keras_learning_rate": config.learning_rate,
        "keras_optimizer": "Adam",
    }
    return Run.start(LAB_ID, title=TITLE, argv=config.argv, seed=config.seed, out=config.out,
                     quick=config.quick, dataset=data.describe(), hyperparameters=hyperparameters,
                     task=(f"sentence classification ({len(data.class_names)} classes) with "
                           f"bag-of-words features and linear models"))

# --- 2. text processing -----------------------------------------------------------------------

def explore_text_processing(data: TextDataset, run: Run) -> str:
    """Tokenize, remove stop words, stem and lemmatize; count the most frequent tokens.

    Compares the tokenizers on three tricky sentences (contractions, brackets, emoticons,
    hyphens), says which stop-word list was used and which negations it would remove,
    shows stemming next to lemmatization (NLTK's WordNet when its data is installed, else
    simplemma), and
    draws the most frequent training tokens before and after stop-word removal and stemming.

    Returns:
        The path of the token-frequency figure.
    """
    tokenizations = {name: [get_tokenizer(name)(s) for s in EXAMPLE_SENTENCES]
                     for name in TOKENIZERS if name != "punkt" or nltk_status()["punkt_tab"]}
    words, source = stop_words()
    removed_negations = sorted(NEGATIONS & words)
    stem = get_stemmer("porter")
    lemmatize, lemma_note = get_lemmatizer()
    examples = ["movies", "studies", "running", "better", "was", "happily", "generously"]
    stems = [{"word": w, "porter": stem(w),
              "lemma": lemmatize(w) if lemmatize else "n/a (no lemmatizer)"} for w in examples]
    counts = token_counts(data.x_train, get_tokenizer("regex"))
    without_stop = Counter({t: n for t, n in counts.items() if t not in words})
    stemmed = Counter()
    for token, n in without_stop.items():  # stem each distinct token once, not every occurrence
        stemmed[stem(token)] += n
    # Flat rows and scalars: the reflection draft shows each of these as a table.
    results = run.record["results"]
    results["text_processing"] = {
        "stop_words": source, "negations_in_stop_list": ", ".join(removed_negations),
        "lemmatization": lemma_note,
        **{f"nltk_{name}_data": present for name, present in nltk_status().items()},
        "distinct_tokens": len(counts), "distinct_without_stop_words": len(without_stop),
        "distinct_stemmed": len(stemmed)}
    results["tokenizers"] = [
        {"tokenizer": name, **{f"sentence {i + 1}": " · ".join(tokens[i])
                               for i in range(len(EXAMPLE_SENTENCES))}}
        for name, tokens in tokenizations.items()]
    results["example_sentences"] = [{"sentence": i + 1, "text": text}
                                    for i, text in enumerate(EXAMPLE_SENTENCES)]
    results["stemming_vs_lemmatization"] = stems
    print(f"stop words: {source}")
    print(f"  negations it would remove: {', '.join(removed_negations)}")
    print(f"lemmatization: {lemma_note}")
    for name, tokens in tokenizations.items():
        print(f"  {name:>10}: {tokens[0]}")
    path = text_plots.token_frequency_figure(
        {f"all tokens ({len(counts):,} distinct)": counts,
         f"stop words removed ({len(without_stop):,})": without_stop,
         f"... and Porter-stemmed ({len(stemmed):,})": stemmed},
        run.path("token_frequencies.png"))
    run.add_figure("token_frequencies", path)
    run.save()
    return str(path)


# --- 3. bag-of-words matrices -----------------------------------------------------------------

def make_preprocessor(config: argparse.Namespace) -> TextPreprocessor:
    """The ``text -> tokens`` function of the flags: tokenizer, stop words, lemmas, stems."""
    return TextPreprocessor(config.tokenizer,
                            remove_stop_words=config.stop_words != "keep",
                            keep_negations=config.stop_words == "remove-keep-negations",
                            stemmer=None if config.stem == "none" else config.stem,
                            lemmatizer=None if config.lemmatize == "none" else config.lemmatize)


def make_vectorizer(config: argparse.Namespace, preprocess: TextPreprocessor,
                    **settings) -> CountVectorizer:
    """A CountVectorizer of word n-grams (``--analyzer word``: our tokens) or of character
    n-grams inside word boundaries (``char_wb``: the tokens, processed the same way, joined
    by spaces, then cut into character n-grams padded with a space at each word's ends).

    ``settings`` override the flags (the grid search passes its own values)."""
    options = {"ngram_range": tuple(config.ngrams), "min_df": config.min_df,
               "max_df": config.max_df, "max_features": config.max_features, **settings}
    if config.analyzer == "char_wb":
        return CountVectorizer(analyzer="char_wb", preprocessor=preprocess.as_text,
                               lowercase=False, dtype=np.float32, **options)
    return CountVectorizer(tokenizer=preprocess, lowercase=False, token_pattern=None,
                           dtype=np.float32, **options)


def vectorize(data: TextDataset, config: argparse.Namespace, run: Run) -> dict:
    """Count n-grams once, then derive the binary and TF-IDF matrices from the counts.

    All three stay scipy CSR matrices: a row holds only the n-grams its text contains
    (a dozen of the ~75,000 columns), so the matrices take megabytes, not gigabytes.

    Returns:
        ``{"vectorizer", "features", representation: (train, validation, test)}``.
    """
    preprocess = make_preprocessor(config)
    vectorizer = make_vectorizer(config, preprocess)
    start = time.perf_counter()
    try:
        counts = [vectorizer.fit_transform(data.x_train), vectorizer.transform(data.x_val),
                  vectorizer.transform(data.x_test)]
    except ValueError as error:  # e.g. min_df larger than the number of texts
        raise CourseError("the vectorizer kept no n-grams", why=str(error),
                          fix="lower --min-df or raise --max-df") from None
    matrices = {"counts": counts,
                "binary": [(m > 0).astype(np.float32) for m in counts]}
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts[0])
    matrices["tfidf"] = [tfidf.transform(m).astype(np.float32) for m in counts]
    seconds = time.perf_counter() - start
    features = vectorizer.get_feature_names_out()
    train = counts[0]
    summary = {**preprocess.describe(), "analyzer": config.analyzer,
               "ngram_range": list(config.ngrams), "vocabulary_size": len(features),
               "density": round(train.nnz / (train.shape[0] * train.shape[1]), 6),
               "nonzeros_per_text": round(train.nnz / train.shape[0], 2),
               "csr_megabytes": round((train.data.nbytes + train.indices.nbytes
                                       + train.indptr.nbytes) / 2**20, 2),
               "dense_megabytes_would_be": round(train.shape[0] * train.shape[1] * 4 / 2**20),
               "seconds": round(seconds, 2)}
    run.record["results"]["vectorizer"] = summary
    run.save()
    print(f"vocabulary {len(features):,} {config.analyzer} n-grams {tuple(config.ngrams)}; "
          f"{summary['nonzeros_per_text']} non-zeros per "
          f"text; CSR {summary['csr_megabytes']} MB vs dense "
          f"{summary['dense_megabytes_would_be']:,} MB")
    return {"vectorizer": vectorizer, "features": features,
            **{name: matrices[name] for name in REPRESENTATIONS}}


# --- 4. scikit-learn classifiers --------------------------------------------------------------

def make_classifier(name: str, n_classes: int, C: float = 1.0, seed: int = 42):
    """A fresh scikit-learn classifier: ``logreg``, ``svm`` or ``nb``."""
    if name == "logreg":
        # liblinear is fast for two classes; lbfgs fits one softmax model for more.
        solver = "liblinear" if n_classes == 2 else "lbfgs"
        return LogisticRegression(C=C, solver=solver, max_iter=1000, random_state=seed)
    if name == "svm":
        return LinearSVC(C=C, random_state=seed)
    return MultinomialNB(alpha=1.0)


def compare_classifiers(matrices: dict, data: TextDataset, config: argparse.Namespace,
                        run: Run) -> list[dict]:
    """Fit every classifier on every representation; one table row per pair.

    The best pair is chosen by *validation* accuracy, never by test accuracy: choosing on
    the test split would make its score an optimistic estimate.
    """
    rows = []
    for representation in config.representations:
        x_train, x_val, x_test = matrices[representation]
        for name in config.classifiers:
            model = make_classifier(name, len(data.class_names), config.C, config.seed)
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model.fit(x_train, data.y_train)
            fit_s = time.perf_counter() - start
            # Unscaled counts slow the linear solvers down; say so instead of hiding it.
            converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
            predicted = model.predict(x_test)
            rows.append({
                "representation": representation, "classifier": name,
                "val_accuracy": round(accuracy_score(data.y_val, model.predict(x_val)), 4),
                "test_accuracy": round(accuracy_score(data.y_test, predicted), 4),
                "test_macro_f1": round(f1_score(data.y_test, predicted, average="macro"), 4),
                "fit_s": round(fit_s, 2), "converged": converged,
                "vocabulary": int(x_train.shape[1]),
                "sparsity": round(1 - x_train.nnz / (x_train.shape[0] * x_train.shape[1]), 6),
            })
    run.record["results"]["comparison"] = rows
    run.record["results"]["best_by_validation"] = max(rows, key=lambda row: row["val_accuracy"])
    run.save()
    return rows


def comparison_figure(rows: list[dict], run: Run, test_split: str) -> str:
    """Print the comparison table and draw it: test accuracy of each representation x
    classifier, with the published SST-2 bag-of-words figures as lines (on SST-2)."""
    print(console_table(
        ["representation", "classifier", "val", test_split, "macro F1", "fit s", "converged"],
        [[r["representation"], r["classifier"], f"{r['val_accuracy']:.4f}",
          f"{r['test_accuracy']:.4f}", f"{r['test_macro_f1']:.4f}", f"{r['fit_s']:.1f}",
          "yes" if r["converged"] else "no (unscaled counts)"] for r in rows]))
    references = {f"{r['model']} ({r['split']})": r["value"] for r in REFERENCES
                  if r["dataset"] == "SST-2"} if run.record["dataset"]["name"].startswith(
                      "sst2") else None
    path = text_plots.scores_figure(
        [(f"{r['representation']} + {r['classifier']}", r["test_accuracy"]) for r in rows],
        run.path("comparison.png"), title=f"Bag-of-words classifiers ({test_split} accuracy)",
        xlabel=f"{test_split} accuracy", references=references,
        zoom=True)
    run.add_figure("comparison", path)
    return str(path)

def tune_by_cross_validation(matrices: dict, data: TextDataset, config: argparse.Namespace,
                             run: Run) -> list[dict] | None:
    """With ``--grid-search`` (grid_search.py): tune C / alpha of each classifier, then the
    vectorizer itself, by 3-fold cross-validation on the training split. Without the flag
    nothing runs (``None``)."""
    if not config.grid_search:
        return None
    return grid_search(matrices, data, config, run, make_classifier,
                       make_vectorizer(config, make_preprocessor(config)))


# --- 5. the same model in Keras ---------------------------------------------------------------

class SparseBatches(keras.utils.PyDataset):
    """Feeds a CSR matrix to Keras one dense batch at a time.

    The whole matrix stays sparse; only ``batch_size`` rows are made dense at once
    (256 x 75,000 floats = 77 MB instead of 19 GB for all of SST-2). This works with every
    Keras backend, and every batch has the same shape, so nothing is recompiled.

    Args:
        x: a scipy CSR matrix.
        y: integer labels, or ``None`` for prediction.
        batch_size: rows per batch.
        shuffle: reshuffle the rows after every epoch (default ``True``; ``False`` for
            prediction).
        seed: for the shuffling.
    """

    def __init__(self, x: sparse.csr_matrix, y: np.ndarray | None = None, batch_size: int = 256,
                 shuffle: bool = True, seed: int = 42):
        super().__init__()
        self.x, self.y, self.batch_size, self.shuffle = x.tocsr(), y, batch_size, shuffle
        self.order = np.arange(x.shape[0])
        self.rng = np.random.default_rng(seed)
        if shuffle:
            self.rng.shuffle(self.order)

    def __len__(self) -> int:
        return int(np.ceil(self.x.shape[0] / self.batch_size))

    def __getitem__(self, index: int):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        batch = self.x[rows].toarray()
        return batch if self.y is None else (batch, self.y[rows])

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)


def build_keras_model(n_features: int, n_classes: int, *, C: float, n_train: int,
                      learning_rate: float) -> keras.Model:
    """Logistic regression as a network: one Dense layer with a softmax, nothing else.

    scikit-learn's ``LogisticRegression(C)`` minimises ``sum(loss) + ||w||^2 / (2 C)``;
    Keras minimises the *mean* loss, so the same objective needs an L2 weight of
    ``1 / (2 C n_train)`` on the kernel.
    """
    inputs = keras.Input(shape=(n_features,), name="tfidf")
    outputs = keras.layers.Dense(
        n_classes, activation="softmax", name="logistic_regression",
        kernel_regularizer=keras.regularizers.L2(1.0 / (2.0 * C * n_train)))(inputs)
    model = keras.Model(inputs, outputs, name="keras_logistic_regression")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train_keras_model(matrices: dict, data: TextDataset, config: argparse.Namespace,
                      run: Run) -> keras.Model:
    """Train the one-layer network on the TF-IDF matrix with the course callbacks.

    Early stopping watches validation loss and restores the best epoch; the learning rate
    halves when validation loss stalls; an interrupted run resumes from its last epoch.
    """
    x_train, x_val, _ = matrices["tfidf"]
    model = build_keras_model(x_train.shape[1], len(data.class_names), C=config.C,
                              n_train=x_train.shape[0], learning_rate=config.learning_rate)
    run.record["model"] = {"name": model.name, "parameters": parameter_counts(model),
                           "input": f"TF-IDF, {x_train.shape[1]:,} n-grams",
                           "layers": "Dense(softmax) with L2 = 1/(2 C N)"}
    callbacks = default_callbacks(run, patience=2, samples_per_epoch=x_train.shape[0],
                                  curve_title="Keras logistic regression on TF-IDF")
    model.fit(SparseBatches(x_train, data.y_train, config.batch_size, seed=config.seed),
              validation_data=SparseBatches(x_val, data.y_val, config.batch_size, shuffle=False),
              epochs=config.epochs, callbacks=callbacks, verbose=2)
    return model


def evaluate(model: keras.Model, matrices: dict, data: TextDataset, config: argparse.Namespace,
             run: Run) -> np.ndarray:
    """Test metrics, confusion matrix, inference speed, and agreement with scikit-learn.

    Returns:
        The predicted class probabilities of the test texts.
    """
    _, _, x_test = matrices["tfidf"]
    probabilities = model.predict(SparseBatches(x_test, batch_size=config.batch_size,
                                                shuffle=False), verbose=0)
    predicted = probabilities.argmax(axis=1)
    run.record["metrics"] = classification_metrics(data.y_test, predicted, data.class_names)
    run.record["metrics"]["split"] = data.test_split
    # Inference: densify + forward pass of one batch, as the model is used.
    run.record["inference"] = measure_inference(
        lambda rows: model.predict_on_batch(x_test[rows].toarray()),
        np.arange(x_test.shape[0]), batch_size=min(config.batch_size, x_test.shape[0]))
    sklearn_model = make_classifier("logreg", len(data.class_names), config.C, config.seed)
    sklearn_model.fit(matrices["tfidf"][0], data.y_train)
    sklearn_predicted = sklearn_model.predict(x_test)
    run.record["results"]["keras_vs_sklearn"] = {
        "keras_accuracy": round(run.record["metrics"]["accuracy"], 4),
        "sklearn_logreg_accuracy": round(accuracy_score(data.y_test, sklearn_predicted), 4),
        "same_prediction_share": round(float((sklearn_predicted == predicted).mean()), 4),
    }
    path = plots.confusion_matrix(run.record["metrics"]["confusion_matrix"], data.class_names,
                                  run.path("confusion_matrix.png"),
                                  title=f"Confusion matrix ({data.test_split})")
    run.add_figure("confusion_matrix", path)
    agreement = run.record["results"]["keras_vs_sklearn"]
    print(f"Keras network: {data.test_split} accuracy {agreement['keras_accuracy']:.4f}; "
          f"scikit-learn LogisticRegression {agreement['sklearn_logreg_accuracy']:.4f}; same "
          f"prediction on {agreement['same_prediction_share']:.1%} of the texts")
    run.save()
    return probabilities


def weights_figure(model: keras.Model, features: np.ndarray, class_names: list[str],
                   run: Run, k: int = 15) -> str:
    """The n-grams with the largest weights: what the linear model has learned.

    Two classes: the logit of the second class minus the first, so one weight per n-gram
    (positive pushes towards ``class_names[1]``). More classes: each class's weights minus
    the mean over classes, the top ``k // 2 + 1`` per class.
    """
    kernel = keras.ops.convert_to_numpy(model.get_layer("logistic_regression").kernel)
    if len(class_names) == 2:
        score = kernel[:, 1] - kernel[:, 0]
        order = np.argsort(score)
        panels = {f"towards '{class_names[1]}'": [(features[i], score[i]) for i in order[::-1][:k]],
                  f"towards '{class_names[0]}'": [(features[i], score[i]) for i in order[:k]]}
    else:
        relative = kernel - kernel.mean(axis=1, keepdims=True)
        panels = {f"'{name}'": [(features[i], relative[i, c])
                                for i in np.argsort(-relative[:, c])[:k // 2 + 1]]
                  for c, name in enumerate(class_names)}
    run.record["results"]["top_weighted_tokens"] = [
        {"panel": name, "n-grams (weight)": ", ".join(f"{token} ({weight:+.2f})"
                                                        for token, weight in items)}
        for name, items in panels.items()]
    path = text_plots.weighted_tokens_figure(
        panels, run.path("top_tokens.png"),
        title="N-grams with the largest weights (Keras logistic regression)")
    run.add_figure("top_tokens", path)
    run.save()
    return str(path)


def word_clouds(model: keras.Model, features: np.ndarray, class_names: list[str], run: Run,
                k: int = 80) -> str | None:
    """A word cloud per class of its ``k`` most influential n-grams, sized by weight.

    Same weights as :func:`weights_figure` (two classes: the logit difference, its negative
    for the first class; more classes: each class's weight minus the mean), but many more
    tokens at a glance. Spaces show as ``_`` (between the words of a bigram, at the word
    boundaries of a character n-gram).

    Returns:
        The figure's path, or ``None`` when the ``wordcloud`` package is missing.
    """
    kernel = keras.ops.convert_to_numpy(model.get_layer("logistic_regression").kernel)
    if len(class_names) == 2:
        score = kernel[:, 1] - kernel[:, 0]
        columns = {class_names[0]: -score, class_names[1]: score}
    else:
        relative = kernel - kernel.mean(axis=1, keepdims=True)
        columns = {name: relative[:, c] for c, name in enumerate(class_names)}
    panels = {}
    for name, weights in columns.items():
        top = [i for i in np.argsort(-weights)[:k] if weights[i] > 0]
        panels[f"'{name}'"] = {str(features[i]).replace(" ", "_"): float(weights[i])
                               for i in top}
    path = text_plots.word_cloud_figure(panels, run.path("word_clouds.png"),
                                        title="Most influential n-grams per class "
                                              "(size = weight in the Keras model)")
    if path is None:
        print("word clouds skipped: the wordcloud package is not installed "
              "(pip install wordcloud)")
        return None
    run.add_figure("word_clouds", path)
    run.save()
    return str(path)


def analyse_errors(probabilities: np.ndarray, data: TextDataset, run: Run) -> str:
    """The most confident mistakes: record, ``errors.csv`` to annotate, and a table figure.

    Read them: a bag of words cannot see order, so "not good" and contrasts ("but") are
    where it fails most often.
    """
    analysis = ErrorAnalysis(data.y_test, probabilities, data.class_names, texts=data.x_test)
    return record_text_errors(run, analysis, data.test_split)


def finish(model: keras.Model, data: TextDataset, config: argparse.Namespace, run: Run) -> Path:
    """Compare with the closest published figure (bigram naive Bayes on SST-2, 83.1%), save
    the Keras model (unless ``--no-save``), write record.json and the REFLECTION.md draft."""
    set_sst2_reference(run, data, REFERENCES[2], REFERENCES,
                       detail="the model here is logistic regression on TF-IDF unigrams and "
                              "bigrams")
    return finish_trained_run(model, run, no_save=config.no_save)


def main(argv: list[str] | None = None) -> int:
    """The whole lab, step by step (each statement is one cell of the notebook)."""
    config = parse_args(argv)
    data = load_from_args(config, QUICK_SIZES)
    run = start_run(config, data)
    explore_text_processing(data, run)
    matrices = vectorize(data, config, run)
    rows = compare_classifiers(matrices, data, config, run)
    lexicon_baseline(data, rows, run)
    comparison_figure(rows, run, data.test_split)
    preprocessing_grid(data, config, run, make_vectorizer, make_classifier)
    compare_token_units(data, config, run, make_classifier)
    pos_filter(data, config, run, make_classifier)
    tune_by_cross_validation(matrices, data, config, run)
    model = train_keras_model(matrices, data, config, run)
    probabilities = evaluate(model, matrices, data, config, run)
    weights_figure(model, matrices["features"], data.class_names, run)
    word_clouds(model, matrices["features"], data.class_names, run)
    analyse_errors(probabilities, data, run)
    find_label_errors(matrices, probabilities, data, config, run)  # or label errors?
    finish(model, data, config, run)
    return 0
