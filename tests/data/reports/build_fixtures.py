"""Rebuild the binary reports of this corpus: ``python tests/data/reports/build_fixtures.py``.

The .docx, .pdf, .ipynb and the run folder are committed as files (each well under 50 KB);
this script is how they were made, so a reader can see their text and rebuild them. The
instructor's points beside each report were written from the text below, not from the grader.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

DOCX_REPORT = [  # (style, text); style "table" holds rows
    ("Title", "Lab 2: Dropout in a Multilayer Perceptron"),
    ("Normal", "Lena Fischer"),
    ("Heading 1", "Task and setup"),
    ("Normal", "I classified Fashion-MNIST images (60,000 training and 10,000 test images, "
               "28x28 pixels, ten clothing classes) with a multilayer perceptron: two hidden "
               "Dense layers of 512 and 256 units with ReLU, dropout between them, 535,818 "
               "parameters. I trained on my laptop CPU (Ryzen 5 5600U)."),
    ("Heading 1", "Hyperparameters"),
    ("List Bullet", "Epochs: 20"),
    ("List Bullet", "Batch size: 128"),
    ("List Bullet", "Optimizer: SGD with momentum 0.9, learning rate 0.01"),
    ("List Bullet", "Dropout rate: 0.3"),
    ("Heading 1", "Learning curves"),
    ("picture", "learning_curves"),
    ("Caption", "Figure 1: Learning curves of the MLP with dropout (loss and accuracy per epoch)."),
    ("Normal", "With dropout the validation loss follows the training loss for the first 12 "
               "epochs and then stays on a plateau around 0.31, while without dropout (my "
               "first run) the validation loss started to rise after epoch 6. So dropout "
               "reduced overfitting but did not remove the gap completely."),
    ("Heading 1", "Results"),
    ("Normal", "Test accuracy: 89.4%. Macro F1: 0.893. The weakest class is Shirt with an "
               "accuracy of 68%."),
    ("Normal", "The published MLP baseline in the Fashion-MNIST benchmark is 87.7% "
               "(MLPClassifier, 256-128-100 hidden units), so my network is above the "
               "reported score."),
    ("Normal", "Training took 3 minutes and 10 seconds for the 20 epochs."),
    ("Heading 1", "Misclassified samples"),
    ("table", [["Test index", "True label", "Predicted label"],
               ["17", "Shirt", "T-shirt/top"], ["23", "Pullover", "Coat"],
               ["68", "Shirt", "Pullover"], ["147", "Coat", "Shirt"],
               ["233", "Dress", "Shirt"], ["381", "T-shirt/top", "Shirt"],
               ["406", "Sandal", "Sneaker"], ["521", "Shirt", "Coat"],
               ["632", "Pullover", "Shirt"], ["719", "Ankle boot", "Sandal"]]),
    ("Heading 1", "How to improve"),
    ("Normal", "A convolutional network would see local texture such as collars and buttons "
               "that the MLP cannot, and data augmentation with small shifts would make the "
               "model less sensitive to the position of the garment. Batch normalization "
               "might also let me train with a higher learning rate."),
]

PDF_REPORT = [  # (title, paragraphs); a title line per section as in an exported PDF
    ("Fine-tuning a Small BERT for Sentiment Analysis", ["Lab 6, Ahmed Rahimi"]),
    ("Setup", ["Task: binary sentiment classification of SST-2 sentences (67,349 training "
               "sentences, 872 validation sentences used as the test set). Model: "
               "all-MiniLM-L6-v2, a 6-layer BERT-style encoder with 22.7 million parameters, "
               "with a dense classification head on the pooled output. Hardware: one "
               "NVIDIA RTX 3060 GPU with 12 GB."]),
    ("Hyperparameters", ["Learning rate 2e-5 with linear warm-up over 10% of the steps, "
                         "AdamW with weight decay 0.01, batch size 32, 3 epochs, maximum "
                         "sequence length 64 tokens."]),
    ("Training Curves", ["Figure 1: Training and validation loss per epoch.",
                         "The validation loss is lowest after the second epoch (0.27) and "
                         "rises slightly in the third epoch while the training loss keeps "
                         "falling, a sign that the model starts to overfit after two epochs."]),
    ("Results", ["Accuracy on the test sentences: 89.8%. F1 score: 0.90.",
                 "Figure 2: Confusion matrix of the test predictions."]),
    ("Comparison With the Published Score", [
        "Devlin et al. (2019) report 93.5% on SST-2 for BERT-base, 3.7 points above my "
        "result. The gap is expected because MiniLM is much smaller (6 layers instead of "
        "12, 384 hidden units instead of 768) and I trained for only three epochs without "
        "any hyperparameter search."]),
    ("Time", ["Fine-tuning took 11 minutes on the RTX 3060 (about 3.7 minutes per epoch). "
              "Prediction on the test set took 1.9 seconds, i.e. about 2.2 ms per sentence."]),
    ("Sentences the Model Got Wrong", [
        "1. \"the performances are uniformly excellent, the story is not\" (true: negative, "
        "predicted: positive)",
        "2. \"a movie that makes you long for the book\" (true: negative, predicted: positive)",
        "3. \"i didn't expect to enjoy it this much\" (true: positive, predicted: negative)",
        "4. \"not a bad way to spend an afternoon\" (true: positive, predicted: negative)",
        "5. \"the jokes land about half the time\" (true: negative, predicted: positive)",
        "6. \"visually stunning and emotionally hollow\" (true: negative, predicted: positive)",
        "7. \"a guilty pleasure of the highest order\" (true: positive, predicted: negative)",
        "8. \"it's no masterpiece, but it's fun\" (true: positive, predicted: negative)",
        "9. \"earnest to a fault\" (true: negative, predicted: positive)",
        "10. \"the sequel nobody asked for, done well\" (true: positive, predicted: negative)",
        "11. \"more tedious than thrilling\" (true: negative, predicted: positive)"]),
    ("Error Analysis", [
        "Nearly all of these sentences contain a contrast between two parts, or irony. My "
        "hypothesis is that the small model relies on the most sentiment-laden words "
        "(excellent, stunning, bad) and does not weigh the clause that carries the final "
        "judgement. This could be tested by measuring the accuracy on sentences with and "
        "without 'but' or a comma-separated contrast."]),
    ("References", [
        "Devlin, J., Chang, M.-W., Lee, K., Toutanova, K. (2019). BERT: Pre-training of Deep "
        "Bidirectional Transformers for Language Understanding. NAACL.",
        "Wang, W. et al. (2020). MiniLM: Deep Self-Attention Distillation. arXiv:2002.10957."]),
]


def grey_png(size: int) -> bytes:
    """A ``size`` x ``size`` grey PNG: a stand-in figure (the grader never reads its pixels)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (size, size), 200 if size > 4 else 128).save(buffer, "PNG")
    return buffer.getvalue()


def build_docx(path: Path, paragraphs: list | None = None, picture: bytes | None = None) -> None:
    """A Word document of ``(style, text)`` paragraphs (default DOCX_REPORT); the style
    "table" holds rows, "picture" places ``picture`` (default an 8x8 grey PNG)."""
    import io

    import docx
    from docx.shared import Inches

    document = docx.Document()
    for style, content in paragraphs or DOCX_REPORT:
        if style == "table":
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for row, values in zip(table.rows, content, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
        elif style == "picture":
            document.add_picture(io.BytesIO(picture or grey_png(8)), width=Inches(1))
        else:
            document.add_paragraph(content, style=style)
    document.save(path)


def build_pdf(path: Path) -> None:
    """A two-page A4 PDF: bold section titles, wrapped paragraphs, no blank lines kept."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pages:
        fig, y = plt.figure(figsize=(8.27, 11.69)), 0.95
        for title, paragraphs in PDF_REPORT:
            needed = 0.03 + sum(0.018 * len(textwrap.wrap(p, 95)) + 0.01 for p in paragraphs)
            if y - needed < 0.05:
                pages.savefig(fig)
                plt.close(fig)
                fig, y = plt.figure(figsize=(8.27, 11.69)), 0.95
            fig.text(0.08, y, title, fontsize=13, weight="bold")
            y -= 0.03
            for paragraph in paragraphs:
                for line in textwrap.wrap(paragraph, 95):
                    fig.text(0.08, y, line, fontsize=9)
                    y -= 0.018
                y -= 0.01
            y -= 0.01
        pages.savefig(fig)
        plt.close(fig)


NOTEBOOK_CELLS = [
    ("markdown", "# Lab 4 notebook: bag of words on SST-2\n\n"
                 "**Task.** Decide whether a movie-review sentence is positive or negative. "
                 "**Data.** SST-2: 67,349 training sentences, 872 validation sentences "
                 "(used as the test set). **Model.** A count vectorizer with 10,000 words "
                 "feeding a Dense layer of 16 units and a sigmoid output (160,033 "
                 "parameters). **Hardware.** Kaggle notebook CPU, 4 cores."),
    ("code", "from toolkit.text import data\ntrain, test = data.load_sst2()\n"
             "print(len(train), len(test))", "67349 872\n"),
    ("code", "model = build_model(vocabulary=10_000, hidden=16)\n"
             "history = model.fit(x_train, y_train, epochs=6, batch_size=512,\n"
             "                    validation_split=0.1)",
     "Epoch 1/6 - loss: 0.52 - val_loss: 0.44\nEpoch 6/6 - loss: 0.21 - val_loss: 0.47\n"),
    ("code", "plot_learning_curves(history)", "image"),
    ("markdown", "## Learning curves\n\nThe validation loss is lowest at epoch 2 (0.43) and "
                 "then climbs to 0.47 while the training loss keeps falling to 0.21: the "
                 "model overfits after the second epoch, so I should have stopped there."),
    ("code", "print('test accuracy', model.evaluate(x_test, y_test)[1])",
     "test accuracy 0.8016\n"),
    ("markdown", "## Results\n\nThe test accuracy is **80.2%**. For comparison, the "
                 "bag-of-words baseline in Socher et al. (2013) reaches 80.5% on the binary "
                 "task, so I am 0.3 points below the published score, which is within the "
                 "noise of a single run. Training the 6 epochs took 21 seconds."),
    ("markdown", "## Misclassified sentences\n\n"
                 "| sentence | truth | predicted |\n|---|---|---|\n"
                 "| not a total loss | positive | negative |\n"
                 "| it is hard to dislike | positive | negative |\n"
                 "| the plot goes nowhere, beautifully | negative | positive |\n"
                 "| a fine cast wasted | negative | positive |\n"
                 "| never boring | positive | negative |\n"
                 "| less than the sum of its parts | negative | positive |\n"
                 "| well-meaning but clumsy | negative | positive |\n"
                 "| surprisingly not terrible | positive | negative |\n"
                 "| the best thing about it is the poster | negative | positive |\n"
                 "| no one will be disappointed | positive | negative |"),
    ("markdown", "## Why it fails\n\nA count vectorizer ignores word order, so negations "
                 "such as \"never boring\" or \"not a total loss\" are read as the negative "
                 "word they contain. I expect most of the errors to be sentences with a "
                 "negation or a contrast.\n\n## What I would try next\n\nBigram features "
                 "or an LSTM over word embeddings would let the model see that \"not\" "
                 "changes the next word; dropout on the hidden layer would reduce the "
                 "overfitting seen in the curves."),
]


def build_notebook(path: Path, notebook_cells: list | None = None,
                   picture: bytes | None = None) -> None:
    """An executed notebook of ``(kind, source[, output])`` cells (default NOTEBOOK_CELLS);
    the output "image" is ``picture`` (default a 4x4 grey PNG)."""
    import base64

    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    png = base64.b64encode(picture or grey_png(4)).decode()
    cells, count = [], 0
    for kind, source, *output in notebook_cells or NOTEBOOK_CELLS:
        if kind == "markdown":
            cells.append(new_markdown_cell(source))
            continue
        count += 1
        if output[0] == "image":
            outputs = [new_output("display_data", data={"image/png": png,
                                                        "text/plain": "<Figure>"})]
        else:
            outputs = [new_output("stream", name="stdout", text=output[0])]
        cells.append(new_code_cell(source, execution_count=count, outputs=outputs))
    path.write_text(nbformat.writes(new_notebook(cells=cells)), encoding="utf-8")


REFLECTION_ANSWERS = {
    "Justify the difference": "My accuracy is lower than the published CNN because I ran "
                              "only a few epochs on a CPU and used no data augmentation, "
                              "while the benchmark model was trained longer.",
    "What do the misclassified": "Most mistakes are shirts predicted as T-shirts or "
                                 "pullovers; I think this is because these classes have "
                                 "almost the same outline at 28x28 pixels, so the model "
                                 "cannot see collars or buttons.",
}


def build_run_folder(folder: Path) -> None:
    """A run folder with the draft reflection, two prompts answered, the rest left alone."""
    sys.path.insert(0, str(HERE.parents[2]))
    from toolkit.grading.samples import synthetic_record, write_run_folder

    record = synthetic_record(3, misclassified=12)
    record["reference"]["measured"] = record["metrics"]["accuracy"] = 0.8421
    record["reference"]["difference"] = round(0.8421 - record["reference"]["value"], 4)
    write_run_folder(folder, record)
    for extra in ("errors.csv",):
        (folder / extra).unlink()
    reflection = folder / "REFLECTION.md"
    lines = []
    for line in reflection.read_text(encoding="utf-8").splitlines():
        for prompt, answer in REFLECTION_ANSWERS.items():
            if "**TODO**" in line and prompt in line:
                line = answer
        lines.append(line)
    reflection.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "record.json").write_text(json.dumps(record, indent=1), encoding="utf-8")


def build_quick_run_folder(folder: Path) -> None:
    """An untouched ``--quick`` run folder: the draft exactly as the lab wrote it, no word of
    the student's (issue 22: the draft's facts show the run happened, never understanding)."""
    sys.path.insert(0, str(HERE.parents[2]))
    from toolkit.grading.samples import synthetic_record, write_run_folder

    record = synthetic_record(22, misclassified=12)
    record.update(quick=True, command=["python", "-m", "labs.lab03_cnn_mnist", "--quick"])
    record["hyperparameters"]["epochs"] = 1
    record["history"] = record["history"][:1]
    record["training"].update(epochs_run=1, best_epoch=1, time_s=2.4)
    record["dataset"]["splits"] = {"train": 2048, "validation": 512, "test": 1024}
    record["metrics"] = {key: 0.7109 for key in ("accuracy", "macro_precision", "macro_recall",
                                                  "macro_f1")} | {"samples": 1024}
    record["reference"].update(measured=0.7109, difference=round(0.7109 - 0.876, 4))
    write_run_folder(folder, record)


def warn_large(folder: Path, limit: int = 50_000) -> None:
    """Name every file of ``folder`` over ``limit`` bytes: the corpora stay small."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.stat().st_size > limit:
            print(f"warning: {path.relative_to(folder)} is {path.stat().st_size:,} bytes")


def main() -> int:
    build_docx(HERE / "r05_word_document.docx")
    build_pdf(HERE / "r06_exported.pdf")
    build_notebook(HERE / "r07_notebook.ipynb")
    build_run_folder(HERE / "r14_draft_with_prompts" / "run")
    build_quick_run_folder(HERE / "r22_untouched_quick_run" / "run")
    warn_large(HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
