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
      compared in one table, with an optional grid search (``--grid-search``) of each
      classifier's regularization and of the vectorizer itself (max_features, n-grams,
      binary, min_df) in a scikit-learn ``Pipeline``, so every fold counts its own n-grams;
    * a rule-based baseline in the same table: the VADER sentiment lexicon, no training
      at all (binary sentiment data only);
    * the most influential tokens of each class as bars and as word clouds;
    * the same logistic regression as a one-layer Keras network on the TF-IDF matrix,
      trained with the course callbacks: both worlds reach the same accuracy.

Data
    ``--dataset sst2_glue`` (default): GLUE SST-2, 67,349 labelled training phrases; the
    test split is GLUE dev (872 sentences) because GLUE hides its test labels, while the
    published figures below are on the 1,821-sentence SST-2 test split.
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

Expected result and time (measured on this course's 2-core CPU shared with other jobs,
TensorFlow backend, seed 42; on an idle machine expect less time)
    GLUE SST-2, full data: the nine classifiers reach 80.2-81.8% on dev; the Keras network
    80.7%, scikit-learn's logistic regression on the same matrix 80.5%, with the same
    prediction for 98.6% of the sentences. About 8 minutes (the Keras network, 10 epochs of
    ~30 s, is most of it). Kim sentence splits: 79.0-82.0% on test (TF-IDF + naive Bayes
    82.0%) in 30 s. ``--quick``: about 30 s.
    Kim splits with ``--lemmatize auto --grid-search`` (simplemma): 79.2-82.3% on test, the
    VADER lexicon 65.7% (63.1% on dev) with no training; the vectorizer grid (16 settings,
    29 s) picks 10,000 binary unigrams+bigrams, min_df 1: cv 78.5%, test 79.7%. 64 s in all.
    ``--analyzer char_wb --representations tfidf`` (43,210 character 2-5-grams): 80.0-80.9%
    on test, the Keras network 80.8%, in 32 s.
    Published (SST-2 test split): NB 81.8, SVM 79.4, BiNB 83.1 (Socher et al. 2013).
    On a GPU: not measured (the lab is CPU-bound: sparse matrices and scikit-learn).
"""

from __future__ import annotations

import argparse
import sys
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
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from toolkit import plots
from toolkit.callbacks import default_callbacks
from toolkit.cli import lab_parser, positive_int, run_main
from toolkit.error_analysis import ErrorAnalysis
from toolkit.errors import CourseError
from toolkit.metrics import classification_metrics, measure_inference
from toolkit.plots import show  # noqa: F401  (the notebook cells call it)
from toolkit.runs import Run, parameter_counts
from toolkit.text import plots as text_plots
from toolkit.text.data import TextDataset, add_text_data_arguments, load_from_args
from toolkit.text.processing import (
    LEMMATIZERS,
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
REPRESENTATIONS = ("binary", "counts", "tfidf")
ANALYZERS = ("word", "char_wb")
DEFAULT_NGRAMS = {"word": [1, 2], "char_wb": [2, 5]}
# The vectorizer settings --grid-search tries (2 x 2 x 2 x 2 = 16 pipelines, 3 folds each).
VECTORIZER_GRID = {"max_features": [None, 10_000], "binary": [False, True], "min_df": [1, 2],
                   "ngram_range": {"word": [(1, 1), (1, 2)], "char_wb": [(2, 4), (2, 5)]}}
# Class names that mark a binary sentiment data set, for the lexicon baseline.
NEGATIVE_NAMES, POSITIVE_NAMES = {"negative", "neg"}, {"positive", "pos"}
CLASSIFIERS = ("logreg", "svm", "nb")
QUICK_SIZES = {"train": 4000, "validation": 500, "test": 1000}

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


def _df_value(text: str) -> int | float:
    """``--min-df 2`` is a count of texts, ``--min-df 0.01`` a share of them (scikit-learn)."""
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or a share, got {text!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's flags: the shared ones, the data flags, and the bag-of-words settings."""
    parser = lab_parser(__doc__.split("\n\n")[0], epochs=10, batch_size=256)
    add_text_data_arguments(parser)
    group = parser.add_argument_group("bag of words")
    group.add_argument("--representations", nargs="+", choices=REPRESENTATIONS,
                       default=list(REPRESENTATIONS), help="matrices to compare (default all)")
    group.add_argument("--classifiers", nargs="+", choices=CLASSIFIERS,
                       default=list(CLASSIFIERS), help="classifiers to compare (default all)")
    group.add_argument("--analyzer", choices=ANALYZERS, default="word",
                       help="n-grams of words, or of characters inside word boundaries "
                            "(char_wb: robust to typos and word endings; default word)")
    group.add_argument("--ngrams", nargs=2, type=positive_int, default=None,
                       metavar=("MIN", "MAX"),
                       help="n-gram range (default 1 2 for words, 2 5 for characters)")
    group.add_argument("--max-features", type=positive_int, default=None,
                       help="keep the most frequent N n-grams (default: all)")
    group.add_argument("--min-df", type=_df_value, default=2,
                       help="drop n-grams in fewer texts (count, or share if it has a '.'; "
                            "default 2)")
    group.add_argument("--max-df", type=_df_value, default=1.0,
                       help="drop n-grams in more texts (default 1.0: keep all)")
    group.add_argument("--tokenizer", choices=TOKENIZERS, default="regex",
                       help="tokenizer of the vectorizers (default regex)")
    group.add_argument("--stop-words", choices=("keep", "remove", "remove-keep-negations"),
                       default="keep", help="stop-word handling (default keep)")
    group.add_argument("--stem", choices=("none", "porter", "snowball", "lancaster"),
                       default="none", help="stem tokens before counting (default none)")
    group.add_argument("--lemmatize", choices=("none", *LEMMATIZERS), default="none",
                       help="lemmatize tokens before counting: auto = NLTK WordNet when its "
                            "data is installed, else simplemma (no download); default none")
    group.add_argument("--C", type=float, default=1.0, dest="C",
                       help="inverse regularization of logistic regression and the SVM, and "
                            "of the Keras network's L2 (default 1.0)")
    group.add_argument("--grid-search", action="store_true",
                       help="also tune C / alpha of each classifier, and the vectorizer "
                            "(max_features, n-grams, binary, min_df) in a Pipeline, with "
                            "3-fold GridSearchCV")
    group.add_argument("--learning-rate", type=float, default=0.01,
                       help="Adam learning rate of the Keras network (default 0.01)")
    config = parser.parse_args(argv)
    config.argv = list(argv or [])
    if config.ngrams is None:
        config.ngrams = list(DEFAULT_NGRAMS[config.analyzer])
    if config.ngrams[0] > config.ngrams[1]:
        parser.error("--ngrams MIN MAX needs MIN <= MAX")
    if config.quick:  # few texts: smaller batches, so two epochs still make enough steps
        config.epochs = min(config.epochs, 2)
        config.batch_size = min(config.batch_size, 64)
    return config


# --- 1. data ----------------------------------------------------------------------------------

def load_data(config: argparse.Namespace) -> TextDataset:
    """Load SST-2 (or your file) as texts and integer labels; ``--quick`` takes a subset."""
    return load_from_args(config, QUICK_SIZES)


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
            print(f"  {representation:>7} + {name:<6} val {rows[-1]['val_accuracy']:.4f}  "
                  f"{data.test_split} {rows[-1]['test_accuracy']:.4f}  ({fit_s:.1f} s"
                  f"{'' if converged else ', did not converge'})")
    run.record["results"]["comparison"] = rows
    run.record["results"]["best_by_validation"] = max(rows, key=lambda row: row["val_accuracy"])
    run.save()
    return rows


def sentiment_polarity(class_names: list[str]) -> tuple[int, int] | None:
    """``(negative index, positive index)`` when the classes are binary sentiment, else
    ``None`` (a topic data set, three classes, or labels like 0/1 whose meaning is unknown)."""
    names = [name.lower() for name in class_names]
    if len(names) != 2:
        return None
    for negative, positive in ((0, 1), (1, 0)):
        if names[negative] in NEGATIVE_NAMES and names[positive] in POSITIVE_NAMES:
            return negative, positive
    return None


def lexicon_baseline(data: TextDataset, rows: list[dict], run: Run) -> dict | None:
    """Score the validation and test texts with VADER, a sentiment lexicon with rules.

    VADER (Hutto and Gilbert 2014) adds up the valence of ~7,500 hand-rated words and
    adjusts it for negation ("not good"), intensifiers ("very") and "but". It learns
    nothing from the training split: its row in the comparison table shows what a
    rule-based system gets without training. A compound score >= 0 counts as positive.

    Only for binary sentiment data (classes named negative/positive); any other data set is
    skipped with one line. The row is appended to ``rows`` (the comparison table) but never
    chosen as the best model.

    Returns:
        The row, or ``None`` when skipped.
    """
    results = run.record["results"]
    polarity = sentiment_polarity(data.class_names)
    if polarity is None:
        results["lexicon_baseline"] = {"skipped": (
            f"the classes ({', '.join(data.class_names)}) are not negative/positive "
            "sentiment: a sentiment lexicon has nothing to say about them")}
        print(f"lexicon baseline skipped: {results['lexicon_baseline']['skipped']}")
        return None
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        results["lexicon_baseline"] = {"skipped": "vaderSentiment is not installed "
                                                  "(pip install vaderSentiment)"}
        print(f"lexicon baseline skipped: {results['lexicon_baseline']['skipped']}")
        return None
    analyzer = SentimentIntensityAnalyzer()
    negative, positive = polarity

    def predict(texts):
        scores = np.array([analyzer.polarity_scores(text)["compound"] for text in texts])
        return np.where(scores >= 0, positive, negative), scores

    start = time.perf_counter()
    val_predicted, _ = predict(data.x_val)
    predicted, scores = predict(data.x_test)
    seconds = time.perf_counter() - start
    row = {"representation": "lexicon (no training)", "classifier": "VADER",
           "val_accuracy": round(accuracy_score(data.y_val, val_predicted), 4),
           "test_accuracy": round(accuracy_score(data.y_test, predicted), 4),
           "test_macro_f1": round(f1_score(data.y_test, predicted, average="macro"), 4),
           "fit_s": 0.0, "converged": True, "vocabulary": len(analyzer.lexicon),
           "sparsity": None}
    rows.append(row)
    results["comparison"] = rows
    results["lexicon_baseline"] = {
        "lexicon": "VADER (vaderSentiment), compound score >= 0 -> positive",
        "lexicon_words": len(analyzer.lexicon), "score_s": round(seconds, 2),
        "test_neutral_share": round(float((scores == 0).mean()), 4),
        "citation": "C. J. Hutto, E. Gilbert. VADER: A Parsimonious Rule-based Model for "
                    "Sentiment Analysis of Social Media Text. ICWSM 2014"}
    run.save()
    print(f"  lexicon VADER (no training): val {row['val_accuracy']:.4f}  {data.test_split} "
          f"{row['test_accuracy']:.4f}  ({seconds:.1f} s to score; "
          f"{results['lexicon_baseline']['test_neutral_share']:.0%} of texts score exactly 0)")
    return row


def comparison_figure(rows: list[dict], run: Run, test_split: str) -> str:
    """A bar chart of the table: test accuracy of each representation x classifier, with
    the published SST-2 bag-of-words figures as lines (when the data is SST-2)."""
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


def grid_search(matrices: dict, data: TextDataset, config: argparse.Namespace,
                run: Run) -> list[dict]:
    """Tune C (logistic regression, SVM) or alpha (naive Bayes) with 3-fold cross-validation.

    Only on the training split, on the TF-IDF matrix (or the first representation chosen).
    One core (``n_jobs=1``): the grid is small and the machine may be shared.
    """
    representation = "tfidf" if "tfidf" in config.representations else \
        config.representations[0]
    x_train, _, x_test = matrices[representation]
    grids = {"logreg": {"C": [0.25, 1.0, 4.0, 16.0]}, "svm": {"C": [0.05, 0.2, 1.0, 4.0]},
             "nb": {"alpha": [0.1, 0.3, 1.0, 3.0]}}
    rows = []
    for name in config.classifiers:
        search = GridSearchCV(make_classifier(name, len(data.class_names), seed=config.seed),
                              grids[name], cv=3, scoring="accuracy", n_jobs=1)
        start = time.perf_counter()
        search.fit(x_train, data.y_train)
        rows.append({"representation": representation, "classifier": name,
                     "best_params": ", ".join(f"{k}={v}" for k, v in
                                              search.best_params_.items()),
                     "cv_accuracy": round(float(search.best_score_), 4),
                     "test_accuracy": round(accuracy_score(data.y_test,
                                                           search.predict(x_test)), 4),
                     "search_s": round(time.perf_counter() - start, 2)})
        print(f"  grid search {name}: best {search.best_params_} cv {rows[-1]['cv_accuracy']:.4f}"
              f" {data.test_split} {rows[-1]['test_accuracy']:.4f}")
    run.record["results"]["grid_search"] = rows
    run.save()
    vectorizer_grid_search(data, config, run)
    return rows


def vectorizer_grid_search(data: TextDataset, config: argparse.Namespace, run: Run) -> dict:
    """Tune the vectorizer too: a ``Pipeline`` of counts -> TF-IDF -> logistic regression.

    Why a Pipeline: the vectorizer must be fitted inside each cross-validation fold, on that
    fold's training texts only. Counting n-grams on all training texts first would let
    the held-out fold's words into the vocabulary (a quiet leak). ``GridSearchCV`` refits
    the whole pipeline for each setting of ``VECTORIZER_GRID`` (16 settings x 3 folds) and
    finally on the whole training split with the best one.
    """
    pipeline = Pipeline([
        ("vectorizer", make_vectorizer(config, make_preprocessor(config))),
        ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ("classifier", make_classifier("logreg", len(data.class_names), config.C, config.seed))])
    grid = {f"vectorizer__{name}": values[config.analyzer] if isinstance(values, dict)
            else values for name, values in VECTORIZER_GRID.items()}
    search = GridSearchCV(pipeline, grid, cv=3, scoring="accuracy", n_jobs=1)
    start = time.perf_counter()
    try:
        search.fit(list(data.x_train), data.y_train)
    except ValueError as error:  # a fold too small for min_df
        raise CourseError("the vectorizer grid search failed", why=str(error).split("\n")[0],
                          fix="use more training texts, or run without --grid-search") from None
    seconds = time.perf_counter() - start
    cv = search.cv_results_
    table = sorted(({"max_features": params["vectorizer__max_features"] or "all",
                     "ngram_range": str(params["vectorizer__ngram_range"]),
                     "binary": params["vectorizer__binary"],
                     "min_df": params["vectorizer__min_df"],
                     "cv_accuracy": round(float(mean), 4), "cv_std": round(float(std), 4),
                     "fit_s": round(float(fit), 2)}
                    for params, mean, std, fit in zip(cv["params"], cv["mean_test_score"],
                                                      cv["std_test_score"], cv["mean_fit_time"],
                                                      strict=True)),
                   key=lambda row: -row["cv_accuracy"])
    best = {"analyzer": config.analyzer, "classifier": "logreg",
            **{key: value for key, value in table[0].items() if key not in ("cv_std", "fit_s")},
            "test_accuracy": round(accuracy_score(data.y_test, search.predict(data.x_test)), 4),
            "vocabulary": len(search.best_estimator_["vectorizer"].vocabulary_),
            "settings_tried": len(table), "search_s": round(seconds, 2)}
    run.record["results"]["vectorizer_grid_search"] = table
    run.record["results"]["vectorizer_grid_best"] = best
    run.save()
    print(f"  vectorizer grid ({len(table)} settings x 3 folds, {seconds:.0f} s): best "
          f"max_features={best['max_features']} ngram_range={best['ngram_range']} "
          f"binary={best['binary']} min_df={best['min_df']}  cv {best['cv_accuracy']:.4f}  "
          f"{data.test_split} {best['test_accuracy']:.4f}")
    return best


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
    """The most confident mistakes: record, ``errors.csv`` to annotate, and a table figure."""
    analysis = ErrorAnalysis(data.y_test, probabilities, data.class_names, texts=data.x_test)
    run.record["misclassified"] = analysis.top_errors(25)
    run.record["results"]["errors"] = {
        **analysis.confidence_summary(),
        "most_confused": "; ".join(f"{true} -> {predicted}: {n}"
                                   for true, predicted, n in analysis.most_confused(5))}
    analysis.write_csv(run.path("errors.csv"))
    path = plots.misclassified_table(run.record["misclassified"], run.path("errors.png"),
                                     title=f"Misclassified {data.test_split} texts "
                                           f"(most confident first)")
    run.add_figure("errors", path)
    run.save()
    return str(path)


def record_reference(data: TextDataset, run: Run) -> None:
    """Compare with the closest published figure: bigram naive Bayes on SST-2 (83.1%)."""
    run.record["results"]["references"] = REFERENCES
    if not data.name.startswith("sst2"):
        run.record["results"]["reference_note"] = "your own data: no published score"
        return
    best = REFERENCES[2]
    note = (f"measured on {data.test_split}" + (" (GLUE's test labels are hidden; dev holds "
            "sentences of the same kind)" if data.test_split == "dev" else "")
            + "; the model here is logistic regression on TF-IDF unigrams and bigrams")
    run.set_reference(value=best["value"], metric="accuracy", split=best["split"],
                      citation=best["citation"], source=f"SST-2 {best['model']}", note=note)


def finish(model: keras.Model, config: argparse.Namespace, run: Run) -> Path:
    """Save the Keras model (unless ``--no-save``), the record and the reflection draft."""
    run.save_model(model, skip=config.no_save)
    return run.finish()


NOTEBOOK_STEPS = [
    ("parse_args", "config = parse_args(ARGS)"),
    ("load_data", "data = load_data(config)"),
    ("start_run", "run = start_run(config, data)"),
    ("explore_text_processing", "show(explore_text_processing(data, run))"),
    ("vectorize", "matrices = vectorize(data, config, run)"),
    ("compare_classifiers", "rows = compare_classifiers(matrices, data, config, run)"),
    ("lexicon_baseline", "lexicon_baseline(data, rows, run)\n"
                         "show(comparison_figure(rows, run, data.test_split))"),
    ("grid_search", "if config.grid_search:\n    grid_search(matrices, data, config, run)"),
    ("train_keras_model", "model = train_keras_model(matrices, data, config, run)\n"
                          "show(run.path('learning_curves.png'))"),
    ("evaluate", "probabilities = evaluate(model, matrices, data, config, run)\n"
                 "show(run.path('confusion_matrix.png'))"),
    ("weights_figure", "show(weights_figure(model, matrices['features'], "
                       "data.class_names, run))"),
    ("word_clouds", "show(word_clouds(model, matrices['features'], data.class_names, run))"),
    ("analyse_errors", "show(analyse_errors(probabilities, data, run))"),
    ("record_reference", "record_reference(data, run)"),
    ("finish", "finish(model, config, run)"),
]


def main(argv: list[str] | None = None) -> int:
    """Run the whole lab: the steps of ``NOTEBOOK_STEPS``, in order."""
    config = parse_args(argv)
    data = load_data(config)
    run = start_run(config, data)
    explore_text_processing(data, run)
    matrices = vectorize(data, config, run)
    rows = compare_classifiers(matrices, data, config, run)
    lexicon_baseline(data, rows, run)
    comparison_figure(rows, run, data.test_split)
    if config.grid_search:
        grid_search(matrices, data, config, run)
    model = train_keras_model(matrices, data, config, run)
    probabilities = evaluate(model, matrices, data, config, run)
    weights_figure(model, matrices["features"], data.class_names, run)
    word_clouds(model, matrices["features"], data.class_names, run)
    analyse_errors(probabilities, data, run)
    record_reference(data, run)
    finish(model, config, run)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
