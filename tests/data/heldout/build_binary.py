"""Rebuild the binary documents of the held-out set: ``python tests/data/heldout/build_binary.py``.

The .ipynb, .docx and .pdf documents and the stand-in figure files are committed; this script
is how they were made, so a reader sees their text and can rebuild them with the same content
(timestamps and notebook cell ids aside). The notebook and Word builders are the tuning set's
(``tests/data/reports/build_fixtures.py``). The instructor's points beside each document were written
from the text below, never from the grader. Each file stays under 50 KB.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = HERE / "reports"
REFLECTIONS = HERE / "reflections"

# The figure files the Markdown reports point at. A 1x1 grey PNG stands for each: the grader
# checks that a figure is there and how it is named, never what it draws.
FIGURES = [
    "hr01_sample_blocks/curves.png",
    "hr13_strong_cnn/curves.png",
    "hr13_strong_cnn/confusion.png",
    "hr13_strong_cnn/wrong_digits.png",
    "hr16_vgg_folder/top5_predictions.png",
    "hr16_vgg_folder/gradcam_tabby.png",
    "hr20_results_table/learning_curves.png",
    "hr20_results_table/confusion_matrix.png",
]

# --- hr04: a lab 4 notebook whose misclassified sentences are a printed DataFrame -------------
# label 1 = positive, 0 = negative; "sentence | label | pred | prob", one row a line
MISCLASSIFIED_ROWS = """\
not the worst way to waste an hour | 0 | 1 | 0.71
a thoroughly predictable piece of fluff | 0 | 1 | 0.64
what it lacks in polish it makes up in heart | 1 | 0 | 0.58
the plot is thin but the laughs are not | 1 | 0 | 0.66
i never once looked at my watch | 1 | 0 | 0.82
an admirable failure, but a failure | 0 | 1 | 0.77
too clever by half and proud of it | 0 | 1 | 0.61
funny in spite of itself | 1 | 0 | 0.55
a handsome, hollow costume drama | 0 | 1 | 0.69
no small feat for a first film | 1 | 0 | 0.74
leaves you wanting less, not more | 0 | 1 | 0.63
a mess, but an endearing one | 1 | 0 | 0.59"""


def printed_frame(rows: str) -> str:
    """The rows as ``print(dataframe)`` shows them: an index, right-aligned columns."""
    header = ("", "sentence", "label", "pred", "prob")
    table = [header] + [(str(i), *line.split(" | ")) for i, line in enumerate(rows.splitlines())]
    widths = [max(len(line[c]) for line in table) for c in range(len(header))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
                     for line in table)


MISCLASSIFIED_FRAME = printed_frame(MISCLASSIFIED_ROWS)

NOTEBOOK_CELLS = [
    ("markdown", "# Lab 4 - Bag of words\nMarta Oliveira\n\nSentiment of SST-2 sentences "
                 "with linear models on top of bag-of-words vectors. Data: 67,349 training "
                 "sentences, 872 dev sentences used as test. Kaggle CPU session (4 vCPU)."),
    ("code", "from labs.lab04_bag_of_words import lesson\nconfig = lesson.parse_args(["
             "'--ngrams', '1', '2', '--stop-words', 'remove-keep-negations'])\n"
             "data = lesson.load_data(config)\nprint(len(data.train), len(data.test))",
     "67349 872\n"),
    ("code", "results = lesson.compare_representations(config, data)\nresults",
     "representation classifier  val_acc  test_acc  fit_s\n"
     "binary         logreg        0.823     0.812   1.9\n"
     "counts         logreg        0.821     0.809   2.0\n"
     "tfidf          logreg        0.826     0.817   1.7\n"
     "tfidf          svm           0.817     0.806   3.1\n"
     "tfidf          nb            0.809     0.801   0.2\n"),
    ("markdown", "TF-IDF + logistic regression is best but only by half a point, all "
                 "three representations are within 1.1 points of each other."),
    ("code", "model, history = lesson.train_keras(config, data, epochs=10, batch_size=128,\n"
             "                                    learning_rate=0.005)\n"
             "lesson.plot_history(history)", "image"),
    ("markdown", "## Curves\nTraining loss keeps dropping for all 10 epochs but validation "
                 "loss bottoms out around epoch 4 (0.42) and then goes up again, so the "
                 "Keras model overfits after epoch 4. The L2 penalty was 0 here."),
    ("code", "model.evaluate(x_test, y_test)",
     "28/28 - 0s - accuracy: 0.8085 - loss: 0.4391\n[0.4391, 0.8085]\n"),
    ("code", "errors = lesson.misclassified(model, data, n=12)\nprint(errors)",
     MISCLASSIFIED_FRAME + "\n"),
    ("markdown", "## Comments\nlabel 1 = positive, 0 = negative. Mostly negations and "
                 "'but' sentences, the bag of words does not know which half of the "
                 "sentence matters. I would try trigrams and a model that keeps word order."),
]


def _png() -> bytes:
    from toolkit.grading.samples import tiny_png

    return tiny_png()


def _tuning_builders():
    """The tuning set's builders (tests/data/reports/build_fixtures.py): one way to write a
    notebook and a Word document for both sets."""
    sys.path.insert(0, str(HERE.parent / "reports"))
    import build_fixtures

    return build_fixtures


# --- hr05: a lab 2 Word report; the published score sits in the results table ----------------
DOCX_REPORT = [  # (style, content); "table" holds rows, "picture" a figure
    ("Title", "Dropout and overfitting in a dense network"),
    ("Normal", "Lab 2 -- Noah Becker"),
    ("Heading 1", "Aim"),
    ("Normal", "To see overfitting in the learning curves of a multilayer perceptron on MNIST "
               "and how much dropout reduces it."),
    ("Heading 1", "Method"),
    ("Normal", "MNIST digits: 60,000 training images (54,000 for training, 6,000 kept for "
               "validation) and 10,000 test images. The network flattens the 28x28 image "
               "into 784 inputs, then two Dense layers of 512 ReLU units with Dropout after "
               "each and a softmax layer of 10 units: 669,706 parameters. I compared dropout "
               "rates 0.0, 0.2 and 0.5 with the same seed (42). Training used RMSprop, "
               "learning rate 0.001, batch size 128, 20 epochs. Hardware: desktop with an "
               "NVIDIA GTX 1660 (6 GB)."),
    ("Heading 1", "Results"),
    ("table", [["Model", "Test accuracy", "Final train-val loss gap"],
               ["no dropout", "97.9%", "0.11"],
               ["dropout 0.2", "98.3%", "0.03"],
               ["dropout 0.5", "98.1%", "-0.01"],
               ["Keras mnist_mlp example (published)", "98.40%", "-"],
               ["Srivastava et al. 2014, dropout MLP", "98.75% - 98.94%", "-"]]),
    ("Normal", "My best model (dropout 0.2) is 0.1 points below the Keras example, which "
               "is the same architecture, so the difference is probably just the seed and "
               "the 6,000 images I took out for validation. Srivastava et al. are about half "
               "a point higher because they trained much longer with max-norm constraints "
               "and bigger layers."),
    ("picture", "loss_curves"),
    ("Caption", "Figure 1: training vs validation loss per epoch, dropout 0.0 and 0.2."),
    ("Normal", "Without dropout the validation loss reaches its minimum at epoch 5 and then "
               "rises to 0.12 while the training loss goes almost to zero: classic "
               "overfitting. With 0.2 the two curves stay together until about epoch 15. "
               "With 0.5 the training loss is above the validation loss the whole time "
               "because dropout is active during training."),
    ("Normal", "One epoch took 3 s on the GPU, so each 20-epoch run took about a minute. "
               "Evaluating the 10,000 test images took 0.6 s (0.06 ms per image)."),
    ("Heading 1", "Misclassified digits"),
    ("table", [["test index", "true", "predicted", "confidence"],
               ["247", "4", "6", "0.93"], ["321", "2", "7", "0.88"],
               ["445", "6", "0", "0.71"], ["582", "8", "2", "0.65"],
               ["659", "2", "1", "0.79"], ["947", "8", "9", "0.84"],
               ["1014", "6", "5", "0.57"], ["1232", "9", "4", "0.90"],
               ["1530", "8", "7", "0.62"], ["1901", "9", "4", "0.86"],
               ["2130", "4", "9", "0.77"]]),
    ("Heading 1", "Thoughts on the errors"),
    ("Normal", "Most of the errors are 4/9 and 7/2 confusions. These digits differ only in a "
               "small stroke (the open top of a 4, the bar of a 7), and an MLP sees the "
               "image as a flat vector, so it has no notion of where strokes are relative "
               "to each other. Several of the images are also badly written; I would "
               "have guessed wrong on 1232 myself."),
    ("Heading 1", "Future work"),
    ("Normal", "A convolutional network (lab 3) keeps the 2-D structure. Within the MLP, "
               "small random shifts and rotations as data augmentation should help with the "
               "sloppy digits."),
    ("Heading 1", "Sources"),
    ("Normal", "Srivastava, N. et al. (2014). Dropout: A Simple Way to Prevent Neural Networks "
               "from Overfitting. JMLR 15."),
    ("Normal", "Keras examples, mnist_mlp.py, https://github.com/keras-team/keras/tree/2.x/examples"),
]


# --- hr06: a lab 3 PDF whose misclassified digits are a table ---------------------------------
PDF_REPORT = [  # (title, paragraphs or a ("table", rows) entry)
    ("CNN on Fashion-MNIST", ["Lab 3 report, Kwame Mensah, 2nd year CS"]),
    ("Setup", ["Fashion-MNIST: 60,000 training and 10,000 test images of 10 clothing classes "
               "(I used 10% of the training images for validation). Model: the keras.io "
               "reference convnet, two Conv2D layers (32 and 64 filters, 3x3) each followed "
               "by MaxPooling, dropout 0.5 and a Dense softmax layer: 34,826 parameters. "
               "Adam, learning rate 0.001, batch size 128, 15 epochs. Run on the lab PCs "
               "(Intel Xeon W-2123, no GPU)."]),
    ("Learning", ["Figure 1: Accuracy and loss curves for training and validation.",
                  "Validation accuracy rises quickly to 88% in 4 epochs and then slowly to "
                  "91%. The validation loss flattens after epoch 10 while training loss still "
                  "decreases, so there is slight overfitting at the end but nothing serious."]),
    ("Results", ["Test accuracy 90.8%, test loss 0.26. The Fashion-MNIST README lists "
                 "0.876-0.925 for 2-layer CNNs, so my result is inside that range. Training "
                 "took 4.5 minutes (18 s per epoch); predicting the test set took 1.3 s.",
                 "Figure 2: Confusion matrix on the test set."]),
    ("Some test images the network got wrong", [("table", [
        ["index", "true class", "predicted", "confidence"],
        ["12", "Sneaker", "Sandal", "0.58"], ["40", "Shirt", "T-shirt/top", "0.72"],
        ["49", "Pullover", "Coat", "0.66"], ["66", "Shirt", "Pullover", "0.51"],
        ["89", "Coat", "Pullover", "0.81"], ["107", "Shirt", "Coat", "0.63"],
        ["147", "T-shirt/top", "Shirt", "0.69"], ["222", "Dress", "Coat", "0.55"],
        ["324", "Ankle boot", "Sneaker", "0.60"], ["381", "Shirt", "T-shirt/top", "0.88"],
        ["406", "Pullover", "Shirt", "0.57"]])]),
    ("Analysis", ["Shirt is the class it gets wrong most (79% accuracy). Shirts, T-shirts, "
                  "pullovers and coats have nearly the same silhouette at 28x28 and the "
                  "difference is in details like buttons or a collar, which after two "
                  "pooling layers are probably gone. I think a deeper network with batch "
                  "normalization and horizontal-flip augmentation would improve these "
                  "classes."]),
    ("References", ["H. Xiao, K. Rasul, R. Vollgraf (2017). Fashion-MNIST. arXiv:1708.07747",
                    "F. Chollet, Simple MNIST convnet, keras.io/examples/vision/mnist_convnet"]),
]


def build_pdf(path: Path) -> None:
    """An A4 PDF: bold titles, wrapped paragraphs, a table drawn as aligned cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    columns = (0.08, 0.2, 0.42, 0.62)
    with PdfPages(path) as pages:
        fig, y = plt.figure(figsize=(8.27, 11.69)), 0.95
        for title, paragraphs in PDF_REPORT:
            fig.text(0.08, y, title, fontsize=13, weight="bold")
            y -= 0.03
            for paragraph in paragraphs:
                if isinstance(paragraph, tuple):
                    for number, row in enumerate(paragraph[1]):
                        for x, cell in zip(columns, row, strict=True):
                            fig.text(x, y, cell, fontsize=9,
                                     weight="bold" if number == 0 else "normal")
                        y -= 0.018
                else:
                    for line in textwrap.wrap(paragraph, 95):
                        fig.text(0.08, y, line, fontsize=9)
                        y -= 0.018
                y -= 0.01
            y -= 0.01
            if y < 0.25:
                pages.savefig(fig)
                plt.close(fig)
                fig, y = plt.figure(figsize=(8.27, 11.69)), 0.95
        pages.savefig(fig)
        plt.close(fig)


# --- hf08: a lab 2 reflection in Word with heading styles -------------------------------------
DOCX_REFLECTION = [
    ("Title", "Reflection - Lab 2 (MLP + dropout)"),
    ("Normal", "Chen Jia"),
    ("Heading 2", "What I learned"),
    ("Normal", "Before this lab I thought overfitting was something you only see at the end "
               "of training. In my run without dropout the validation loss was lowest at "
               "epoch 4 (0.071) and by epoch 20 it was 0.118 while the training loss kept "
               "going down to 0.004, so the model was memorising the training digits for "
               "16 of the 20 epochs. Dropout 0.3 kept the gap at 0.02 and gave the best test "
               "accuracy (98.2%)."),
    ("Heading 2", "Difficulties"),
    ("Normal", "The dropout 0.5 curve confused me: the training accuracy was below the "
               "validation accuracy (96.8% vs 97.9%) and I thought I had swapped the lines. "
               "The explanation is that Keras measures training accuracy with dropout on. I "
               "checked it by evaluating the final model on the training set with "
               "model.evaluate, which gave 99.1%."),
    ("Heading 2", "Where it is useful"),
    ("Normal", "Dropout is a cheap regularizer for any dense network that overfits a small "
               "data set. At my student job we predict delivery times from tabular features "
               "with a small MLP on only 8,000 rows, and it overfits after a few epochs; I "
               "want to try dropout and early stopping on the validation loss there."),
    ("Heading 2", "Next steps"),
    ("Normal", "I can now read learning curves and tell overfitting from underfitting. Next I "
               "want to compare dropout with L2 weight decay and batch normalization on the "
               "same seed and see how they combine."),
    ("Heading 2", "What I would change"),
    ("Normal", "I only ran one seed. The difference between dropout 0.2 (98.1%) and 0.3 "
               "(98.2%) is 0.1 points, that is 10 test images, and another seed could swap "
               "the order. Next time I would run three seeds per rate before saying which "
               "one is best."),
]


def main() -> int:
    sys.path.insert(0, str(HERE.parents[2]))  # this checkout's toolkit, for tiny_png
    for name in FIGURES:
        figure = REPORTS / name
        figure.parent.mkdir(parents=True, exist_ok=True)
        figure.write_bytes(_png())
    tuning = _tuning_builders()
    tuning.build_notebook(REPORTS / "hr04_dataframe_notebook.ipynb", NOTEBOOK_CELLS, _png())
    tuning.build_docx(REPORTS / "hr05_word_results_table.docx", DOCX_REPORT, _png())
    build_pdf(REPORTS / "hr06_pdf_table.pdf")
    tuning.build_docx(REFLECTIONS / "hf08_word_headings.docx", DOCX_REFLECTION, _png())
    tuning.warn_large(HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
