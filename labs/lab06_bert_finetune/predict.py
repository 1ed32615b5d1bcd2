"""``python -m labs.lab06_bert_finetune predict RUN_DIR --data FILE``: label a CSV/TSV with the
model of a finished lab 6 run and write ``id,<label column>`` (e.g. a Kaggle submission.csv).

The labels are written as the training data wrote them (strings, or integers such as 0/1),
with the run's decision threshold (``--threshold``) for two classes; a run trained with
``--folds K`` averages the probabilities of its K models. Example:

    python -m labs.lab06_bert_finetune predict runs/lab06_bert_finetune/<run> \\
        --data test.csv --text-column review --id-column id --out submission.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

from toolkit.cli import SuggestingParser, positive_int
from toolkit.errors import CourseError
from toolkit.text import readers as text_readers

LAB_ID = "lab06_bert_finetune"


def predict_parser() -> argparse.ArgumentParser:
    parser = SuggestingParser(
        prog="python -m labs.lab06_bert_finetune predict",
        description="Label a CSV/TSV with the model of a finished lab 6 run: writes "
                    "id,<label column> (e.g. a Kaggle submission.csv).")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder (holds model.keras)")
    parser.add_argument("--data", required=True, metavar="FILE",
                        help="CSV/TSV with a header row and the texts to label")
    parser.add_argument("--text-column", metavar="C",
                        help="column holding the text (default: the training run's text "
                             "column, else sentence/text/...)")
    parser.add_argument("--id-column", metavar="I",
                        help="column with the row ids (default: 'id' when the file has one, "
                             "else the row number from 0)")
    parser.add_argument("--out", metavar="FILE",
                        help="where to write (default RUN_DIR/submission.csv); an existing file "
                             "is not overwritten without --force")
    parser.add_argument("--probabilities", action="store_true",
                        help="add one probability column per class (p_<label>)")
    parser.add_argument("--labels", metavar="COLUMN",
                        help="the file is labelled in COLUMN: also score it (accuracy, macro "
                             "F1, confusion matrix; written beside --out)")
    parser.add_argument("--batch-size", type=positive_int, default=64,
                        help="texts per prediction batch (default 64)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``predict RUN_DIR --data FILE``: label a file with a run's model, write ``id,label``."""
    args = predict_parser().parse_args(argv)
    run_dir = Path(args.run_dir)
    out = Path(args.out) if args.out else run_dir / "submission.csv"
    if out.exists() and not args.force:
        raise CourseError(f"{out} exists already", fix="pass another --out, or --force")
    from toolkit.text.bert import predictor  # Keras: only once the flags are fine

    settings, models = predictor.load_predictor(run_dir, LAB_ID)
    ids, texts, id_name = text_readers.read_unlabelled_table(
        args.data, args.text_column, args.id_column, text_column_guess=settings["text_column"])
    print(f"{len(texts):,} texts from {args.data}; {len(models)} model(s) from {run_dir}")
    if settings.get("clean_social"):  # the run was trained on cleaned texts
        from toolkit.text.social import clean_all

        texts = clean_all(texts)
    probabilities = predictor.predict_texts(
        models, predictor.saved_tokenizer(run_dir, settings), texts,
        max_length=settings["max_length"], input_names=settings["input_names"],
        output=settings["multitask_output"], batch_size=args.batch_size,
        verbose=1)  # a progress bar
    counts = predictor.write_submission(out, ids, id_name, probabilities, settings,
                                        with_probabilities=args.probabilities)
    print(f"wrote {out} ({len(texts):,} rows: " + ", ".join(
        f"{value} {count:,}" for value, count in zip(settings["label_values"], counts,
                                                     strict=True)) + ")")
    if args.labels:
        from labs.lab06_bert_finetune.scoring import score_file

        score_file(predictor.decide(probabilities, settings.get("threshold") or 0.5), args,
                   settings, out)
    return 0
