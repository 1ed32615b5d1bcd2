"""``python -m labs.lab06_bert_finetune audit-labels --data FILE``: which labels of a whole
labelled data set look wrong? Confident learning (``toolkit.label_audit``, cleanlab).

Every row is scored by a cheap model that did not train on it: K-fold ``cross_val_predict``
of logistic regression on frozen sentence embeddings (``--features embeddings``, the
pretrained transformer of ``--preset``, all-MiniLM-L6-v2 by default) or on TF-IDF unigrams
and bigrams (``--features bag-of-words``, no Keras, seconds). Rows whose given label that
model finds far less likely than another class are flagged. It writes into ``--out``:
``label_issues.csv`` (the flagged rows, least likely label first, with a column for your
verdict), ``label_quality.png`` and ``label_audit.json`` (the counts and settings).
A flag is a question, not a verdict: read each text before you relabel or drop it.

    python -m labs.lab06_bert_finetune audit-labels --data train.csv --text-column review \\
        --label-column verdict --out audit/
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from toolkit import label_audit
from toolkit.cli import SuggestingParser, positive_int
from toolkit.errors import CourseError
from toolkit.safe_text import for_terminal
from toolkit.text import readers as text_readers

FEATURES = ("embeddings", "bag-of-words")
OUTPUTS = (label_audit.ISSUES_CSV, label_audit.FIGURE, "label_audit.json")


def audit_parser() -> argparse.ArgumentParser:
    parser = SuggestingParser(
        prog="python -m labs.lab06_bert_finetune audit-labels",
        description="Find the likely mislabelled rows of a labelled CSV/TSV (confident "
                    "learning on out-of-fold predictions of a cheap model).")
    parser.add_argument("--data", required=True, metavar="FILE",
                        help="CSV/TSV with a header row (or label<space>text lines)")
    parser.add_argument("--text-column", metavar="C", help="column holding the text "
                                                           "(default: sentence/text/...)")
    parser.add_argument("--label-column", metavar="L", help="column holding the label "
                                                            "(default: label/class/...)")
    parser.add_argument("--out", default="label_audit", metavar="DIR",
                        help="folder to write into (default ./label_audit)")
    parser.add_argument("--features", choices=FEATURES, default="embeddings",
                        help="what the logistic regression reads: frozen sentence embeddings "
                             "of --preset (default) or TF-IDF n-grams (bag-of-words, fast)")
    parser.add_argument("--preset", default=None, metavar="NAME",
                        help="--features embeddings: the encoder (default all-minilm-l6-v2)")
    parser.add_argument("--folds", type=positive_int, default=label_audit.DEFAULT_FOLDS,
                        metavar="K", help="K-fold cross_val_predict (default 5)")
    parser.add_argument("--max-length", type=positive_int, default=128,
                        help="longest text in word pieces for the encoder (default 128)")
    parser.add_argument("--seed", type=int, default=42, help="the folds' shuffle (default 42)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite the files of an earlier audit in --out")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def bag_of_words_features(texts: list[str]):
    """TF-IDF of word unigrams and bigrams (sublinear counts), as lab 4 builds them."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2 if len(texts) >= 50 else 1,
                                 sublinear_tf=True)
    try:
        return vectorizer.fit_transform(texts)
    except ValueError as error:  # e.g. only stop words or empty texts
        raise CourseError("the texts gave no words to count", why=str(error),
                          fix="check --text-column names the column that holds the texts"
                          ) from None


def embedding_features(texts: list[str], preset_name: str | None, max_length: int):
    """Mean-pooled sentence vectors of a frozen pretrained encoder (one forward pass)."""
    from labs.command_line import startup_notes_dropped

    with startup_notes_dropped():  # TensorFlow's start-up notes, as the lab keeps them away
        from toolkit.text import bert
    preset = bert.resolve_preset(preset_name or bert.OFFLINE_PRESET)
    tokenizer = bert.make_tokenizer(preset)
    backbone = bert.load_backbone(preset)
    tokens = tokenizer.encode(texts, max_length)
    print(f"encoder: {preset.label}; embedding {len(texts):,} texts ...")
    return bert.sentence_embeddings(backbone, tokens.token_ids, max_length=max_length,
                                    pad_id=tokenizer.pad_id), preset_name or bert.OFFLINE_PRESET


def main(argv: list[str] | None = None) -> int:
    """``audit-labels --data FILE``: flag the likely mislabelled rows of a whole data set."""
    args = audit_parser().parse_args(argv)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CourseError(f"--out {out} is a file", fix="name a folder")
    existing = [name for name in OUTPUTS if (out / name).exists()]
    if existing and not args.force:
        raise CourseError(f"{out} already holds {', '.join(existing)}",
                          fix="pass another --out, or --force to overwrite")
    path = Path(args.data)
    raw = text_readers.read_text_file(path, args.text_column, args.label_column)
    labels, class_names = text_readers.encode_file(raw, path)
    note = raw.dropped_note(path)
    print(for_terminal(f"{len(raw.texts):,} labelled texts from {path}, classes {class_names}"
                       + (f"; {note}" if note else ""), keep_newlines=False))
    start = time.perf_counter()
    if args.features == "embeddings":
        features, encoder = embedding_features(raw.texts, args.preset, args.max_length)
        model = f"frozen {encoder} embeddings + logistic regression"
    else:
        features, model = bag_of_words_features(raw.texts), "TF-IDF n-grams + logistic regression"
    probabilities = label_audit.out_of_fold_probabilities(features, labels, folds=args.folds,
                                                          seed=args.seed)
    source = f"{args.folds}-fold cross_val_predict of {model}"
    audit = label_audit.audit_split(labels, probabilities, split="data", source=source)
    seconds = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    rows = label_audit.issue_rows(audit, raw.texts, class_names, ids=raw.lines)
    label_audit.write_issues_csv(out / label_audit.ISSUES_CSV, rows)
    label_audit.quality_figure([audit], out / label_audit.FIGURE,
                               title=f"Label quality of {path.name} ({model})")
    accuracy = float((probabilities.argmax(1) == labels).mean())
    summary = {"data": str(path), "rows": len(labels), "classes": class_names,
               "flagged": audit.flagged, "flagged_share": round(audit.flagged / len(labels), 4),
               "flagged_by_given_label": {name: int((audit.issues & (labels == i)).sum())
                                          for i, name in enumerate(class_names)},
               "source": source, "out_of_fold_accuracy": round(accuracy, 4),
               "seconds": round(seconds, 1), "method": label_audit.CITATION}
    (out / "label_audit.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"{audit.flagged:,} of {len(labels):,} rows ({audit.flagged / len(labels):.1%}) look "
          f"mislabelled ({source}; out-of-fold accuracy {accuracy:.1%}, {seconds:.0f} s)")
    for row in rows[:5]:
        print(for_terminal(f"  line {row['id']}: given {row['given_label']}, model says "
                           f"{row['suggested_label']} ({row['suggested_probability']:.2f}): "
                           f"{row['text'][:100]}", keep_newlines=False))
    print(f"wrote {out / label_audit.ISSUES_CSV}, {out / label_audit.FIGURE}, "
          f"{out / 'label_audit.json'}")
    return 0
