"""Signals the grader reads beside the headings: the lab a report is about when it names none,
the published score the syllabus knows, synonyms inside longer rubric words, run-in labels
that are labels (not wrapped prose), and a paragraph's opening sentence.

The tests that read meaning need all-MiniLM-L6-v2 (skipped without it); the encoder loads once
per test session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import CourseError
from toolkit.grading import sentence_encoder
from toolkit.grading.assessment import MET, MISSING, assess, cites_published, published_scores
from toolkit.grading.meaning import opening_sentence, run_in_label
from toolkit.grading.rubric import load_rubric
from toolkit.grading.submissions import read_submission

RUBRIC = load_rubric()
needs_encoder = pytest.mark.skipif(not sentence_encoder.encoder_status()[0],
                                   reason="all-MiniLM-L6-v2 or keras-hub is not installed")

VGG_REPORT = """Recognising my photos with a pretrained network

I used VGG16, trained on the ImageNet images of 1,000 classes, as it is, without training it,
to label 30 photos I took at home. The photos were resized to 224x224 pixels and
preprocessed the way keras.applications expects. Top-1 accuracy was 60.0% and top-5 83.3%.
Predicting the 30 photos took 7.1 seconds on my laptop CPU, about 240 ms per image.

The network mixes up neighbouring ImageNet classes such as cup and coffee mug, and in
cluttered photos it names the largest object. Grad-CAM heat maps show where it looked.
"""


@needs_encoder
def test_a_report_that_names_no_lab_is_graded_as_the_lab_it_is_clearly_about(tmp_path):
    (tmp_path / "report.txt").write_text(VGG_REPORT, encoding="utf-8")
    [grade] = assess_labs_of(tmp_path / "report.txt")
    assert grade.lab == "lab01_vgg16_inference"
    assert any("names no lab" in w and "lab01_vgg16_inference" in w for w in grade.warnings)
    # Lab 1 trains nothing: its learning-curve criterion is waived, as for a "Lab 1" report.
    assert grade.result("training_check").status == MET
    assert "Not required" in grade.result("training_check").feedback


@needs_encoder
def test_a_lab_named_by_the_caller_is_kept_and_a_vague_report_gets_no_lab(tmp_path):
    (tmp_path / "report.txt").write_text(VGG_REPORT, encoding="utf-8")
    submission = read_submission("s", tmp_path / "report.txt")
    named = assess(submission, RUBRIC, lab="lab03_cnn_mnist")
    assert named.lab == "lab03_cnn_mnist"
    assert not any("names no lab" in w for w in named.warnings)
    # A report about digits could be the MLP lab or the CNN lab: no lab is guessed.
    (tmp_path / "digits.txt").write_text(
        "I trained a network on the MNIST digits, 60,000 training and 10,000 test images, for "
        "ten epochs with Adam. The test accuracy was 98.1% and the validation loss followed "
        "the training loss. Most errors were fours read as nines, which look alike when the "
        "top is open, and sevens read as ones.\n", encoding="utf-8")
    [vague] = assess_labs_of(tmp_path / "digits.txt")
    assert vague.lab == ""
    assert vague.result("training_check").status != MET


def assess_labs_of(path: Path):
    from toolkit.grading.assessment import assess_labs

    return assess_labs(read_submission("s", path), RUBRIC)


def test_the_published_scores_come_from_the_syllabus_in_percent():
    scores = published_scores("lab03_cnn_mnist")  # "keras.io mnist_convnet ... (0.9922 ...)"
    assert any(abs(score - 99.22) < 1e-6 for score in scores)
    assert all(score > 50 for score in scores)  # no years, crop sizes or model names
    assert published_scores("lab02_mlp_dropout")[0] == pytest.approx(98.40)
    assert published_scores("no_such_lab") == ()


def test_a_published_score_counts_with_its_source_in_a_paragraph_that_compares():
    scores = published_scores("lab03_cnn_mnist")
    cited = "The Keras team's example reaches about 99.2% test accuracy."
    assert cites_published(cited + " Mine came out 0.6 points lower.", scores) == "99.2"
    assert cites_published("LeCun's page lists 0.992, better than my\nnetwork.", scores)
    assert cites_published("The example (https://keras.io, 2015) gets 99.22%; mine is lower.",
                           scores) == "99.22"
    # No comparison (the student's own result), no source, another number, no scores.
    assert cites_published("The Keras Applications table gives 99.2%, more than mine.", scores)
    assert cites_published(cited + " It trained for 15 epochs.", scores) is None
    assert cites_published("Dropout 0.2 gave 99.2%, higher than without dropout.", scores) is None
    assert cites_published("The Keras team's example: 98.6%, lower than mine.", scores) is None
    assert cites_published(cited + " Mine was lower.", ()) is None


def test_the_syllabus_published_score_meets_the_comparison_without_the_word(tmp_path):
    (tmp_path / "report.md").write_text(
        "# Digits\n\n## Results\n\nMy convnet reached 98.6% test accuracy after 3 epochs.\n\n"
        "The Keras team's MNIST convnet example reaches about 99.2% with the same layers; "
        "mine came out 0.6 points lower because I trained 3 epochs instead of 15.\n",
        encoding="utf-8")
    submission = read_submission("s", tmp_path / "report.md")
    with_lab = assess(submission, RUBRIC, lab="lab03_cnn_mnist").result("comparison")
    assert with_lab.status == MET
    assert "99.2%" in with_lab.requirements[0].evidence[0]
    # The lab 1 published scores are other numbers: no source, no comparison point.
    other = assess(read_submission("s", tmp_path / "report.md"), RUBRIC,
                   lab="lab01_vgg16_inference").result("comparison")
    assert other.requirements[0].status == MISSING


def rubric_with_text_check(folder: Path, text_check: str) -> Path:
    """A rubric file of one criterion whose one requirement has the text check given."""
    path = folder / "rubric.toml"
    path.write_text('[rubric]\nname = "r"\n\n[[criterion]]\nid = "a"\ntitle = "A"\n'
                    'points = 1\n  [[criterion.require]]\n  what = "an answer"\n'
                    f"  text = {text_check}\n", encoding="utf-8")
    return path


def test_published_scores_must_be_true_or_false_in_a_rubric(tmp_path):
    rubric = rubric_with_text_check(
        tmp_path, '{ keywords = ["published"], numbers = 2, published_scores = "yes" }')
    with pytest.raises(CourseError, match="published_scores"):
        load_rubric(rubric)


def test_a_synonym_of_a_words_start_grows_the_figures_it_names():
    # misclassif = ["incorrect", "wrong", ...]: a figure of "wrong" predictions is an error figure
    figures = RUBRIC.by_id["visualization"].requirements[0].figures
    assert "misclassified" in figures and "wrong" in figures and "incorrect" in figures
    # ... but only for words that start with the synonym's key.
    assert "wrong" not in RUBRIC.by_id["training_check"].requirements[0].figures


def test_a_figure_of_wrong_predictions_counts_as_an_error_figure(tmp_path):
    (tmp_path / "report.txt").write_text(
        "Results\n\nFigure 2: Grad-CAM heat maps for four of the wrong predictions.\n",
        encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                   lab="lab01_vgg16_inference")
    figure = grade.result("visualization").requirements[0]
    assert figure.status == MET and "wrong predictions" in figure.evidence[0]


def test_a_label_before_an_arrow_is_a_label_and_a_chain_of_arrows_is_a_model():
    assert run_in_label("insights -> glove puts similar words close", any_case=True) == \
        "insights"
    assert run_in_label("Challenges => the download failed, so I used the subset") == \
        "Challenges"
    assert run_in_label("insights -> glove puts similar words close") is None  # mid-paragraph
    assert run_in_label("Embedding -> LSTM (64 units) -> Dense(1)", any_case=True) is None


def test_a_label_starts_with_a_capital_or_is_bold_and_wrapped_prose_is_no_label():
    assert run_in_label("Pictures: many are taken from odd angles") == "Pictures"
    assert run_in_label("**insights:** I learned a lot") == "insights"
    assert run_in_label("__challenges:__ the first run") == "challenges"
    # A hard-wrapped line that continues the sentence above it.
    assert run_in_label("pictures: many are taken from odd angles, in poor light") is None
    assert run_in_label("this: for the cat photo the heat sits on the cushions") is None


def test_the_opening_sentence_of_a_paragraph():
    text = ("What I understood best is why bigrams matter for sentiment. With single words "
            "the model reached 78.1%.")
    assert opening_sentence(text) == "What I understood best is why bigrams matter for sentiment."
    assert opening_sentence("One sentence only, about the bigrams and the accuracy.") is None
    assert opening_sentence("Too short. The rest of the paragraph goes on for a while.") is None


def test_a_caption_in_parentheses_inside_a_sentence_is_a_figure(tmp_path):
    (tmp_path / "report.md").write_text(
        "**Results.** The validation loss was lowest after epoch 2 and rose in epoch 3 (Figure "
        "1: loss and accuracy per epoch for training and validation). Accuracy was 82.3%.\n\n"
        "A sentence (figure out why) in parentheses that is no caption.\n", encoding="utf-8")
    submission = read_submission("s", tmp_path / "report.md")
    labels = [image.label for doc in submission.documents for image in doc.images]
    # The caption with the words before it in its sentence ("the validation loss ...").
    [label] = labels
    assert label.endswith("(Figure 1: loss and accuracy per epoch for training and validation).")
    assert "The validation loss was lowest" in label
    grade = assess(submission, RUBRIC, lab="lab06_bert_finetune")
    assert grade.result("training_check").requirements[0].status == MET


@pytest.mark.parametrize("text, training, inference", [
    ("The whole training took 41 seconds on the GPU.", True, False),
    ("Fitting the network ran for 6 min on my laptop CPU.", True, False),
    ("Each epoch needed about 12 s, and predicting the 10,000 test images took 1.2 s.",
     True, True),
    ("It took 3 hours to fine-tune the encoder.", True, False),
    ("Inference: 2.1 ms per sentence on the CPU.", False, True),
    ("Scoring the 872 validation sentences took 2 s.", False, True),
    ("Speed: 0.21 s per photo once the model was loaded.", False, True),
    ("The classifier trained in 41 s.", True, False),
    # A sentence wrapped over two lines still reads as one.
    ("On the T4 the whole training\ntook 95 seconds.", True, False),
    ("The first line has nothing.\nOn the T4 the whole training\ntook 95 seconds.", True, False),
    # A rate measured while training is the training's speed, not inference's.
    ("Training of the 3 epochs took 141 s in total (44-49 s per epoch, about 150 samples/s).",
     True, False),
    ("Training took 141 s; scoring the 872 validation sentences took 2 s.", True, True),
    # A whole run's time covers more than inference, and "numbers per image" is no rate.
    ("The whole run, including the evaluation on the test set and the error analysis, took "
     "5 minutes 40 seconds.", False, False),
    ("The flatten layer gives 1600 numbers per image.", False, False),
    # A run's time said without naming training: in a lab that trains, mostly training
    ("Network: 784 -> 512 -> 10, RMSprop, batch 128. Took about 1 min 50 s.", True, False),
    ("It trains the network four times with dropout 0, 0.1, 0.2 and 0.5. It took around 7 "
     "minutes in total.", True, False),
    ("It took 1.2 s to predict the 10,000 test images.", False, True),
    # ... also when the sentence opens the line
    ("It took about 8 minutes to run everything.", True, False),
    ("The whole run took about 9 minutes, most of it was the Keras network.", True, False),
    ("The weights download took 4 minutes.", False, False),
    ("Downloading the weights took 3 minutes.", False, False),
    ("Each image took 0.3 s to classify once the model was loaded.", False, True),
    # Settings and scores are no times.
    ("I trained for 20 epochs with batch size 128 and dropout 0.5.", False, False),
    ("The test accuracy was 98.6% and the macro F1 0.986 on 10,000 images.", False, False),
])
def test_times_are_read_from_a_duration_next_to_training_or_predicting(tmp_path, text,
                                                                      training, inference):
    (tmp_path / "report.txt").write_text(f"Results\n\n{text}\n", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                   lab="lab03_cnn_mnist")
    found = [r.status == MET for r in grade.result("timing").requirements]
    assert found == [training, inference]


@needs_encoder
def test_a_report_near_two_labs_may_cite_the_published_score_of_either(tmp_path):
    (tmp_path / "digits.txt").write_text(
        "I trained a network on the MNIST digits, 60,000 training and 10,000 test images, for "
        "ten epochs with Adam. The test accuracy was 98.1% and the validation loss followed "
        "the training loss. Most errors were fours read as nines, which look alike when the "
        "top is open, and sevens read as ones.\n\n"
        "LeCun's MNIST page lists 98.4% for a network like mine, so I am 0.3 points lower, "
        "probably because I trained fewer epochs.\n", encoding="utf-8")
    [grade] = assess_labs_of(tmp_path / "digits.txt")
    assert grade.lab == ""  # the MLP lab or the CNN lab: neither is guessed
    published = grade.result("comparison").requirements[0]
    assert published.status == MET and "98.4%" in published.evidence[0]


def test_a_published_score_stands_in_for_a_missing_keyword_and_adds_nothing_more(tmp_path):
    # Two comparison sections pass; the quoted one matches best (more keywords). A published
    # score beside enough keywords must not lift the other, longer one to a tie it then wins.
    (tmp_path / "report.md").write_text(
        "# Digits\n\n## Comparison with the literature\n\n"
        "The published Keras example (keras.io, 2015) reaches 99.2% test accuracy; my network "
        "reached 98.6%, which is lower, after three epochs on my laptop with a batch size of "
        "64, the Adam optimizer and a learning rate of 0.001, which I kept for every run.\n\n"
        "## Comparison with the paper\n\n"
        "The paper and the leaderboard give 99.3% and 99.1%; I reached 98.6%.\n",
        encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.md"), RUBRIC,
                   lab="lab03_cnn_mnist")
    published = grade.result("comparison").requirements[0]
    assert published.status == MET
    assert "leaderboard" in published.evidence[0]


@pytest.mark.parametrize("second_line", ["the whole training on the T4",
                                         "Training on the T4, the whole of it,"])
def test_a_time_wrapped_over_two_lines_is_quoted_from_the_line_it_starts_on(tmp_path,
                                                                          second_line):
    # The match starts inside the second line, or at its very first letter (in capitals).
    (tmp_path / "report.txt").write_text(
        "Results\n\nThe test accuracy was 98.6% on the test images and\n" + second_line +
        "\ntook 95 seconds in all.\n", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                   lab="lab03_cnn_mnist")
    training = grade.result("timing").requirements[0]
    assert training.status == MET
    assert second_line in training.evidence[0]
    # quoted from that line to the sentence's end: the time, not the line before
    assert "98.6%" not in training.evidence[0] and "took 95 seconds" in training.evidence[0]


def test_the_plain_words_of_a_rubrics_patterns_are_rubric_words():
    from toolkit.grading.assessment import rubric_words

    words = rubric_words(RUBRIC)
    assert {"training time", "time to train", "latency", "prediction time", "et al"} <= set(words)
    assert not any("|" in word or "\\" in word for word in words)


def test_a_report_opening_with_a_lab_title_run_into_its_text_is_that_labs(tmp_path):
    # One unwrapped paragraph: the title sentence "Lab 1 ... - name." opens the document.
    (tmp_path / "report.txt").write_text(
        "Lab 1 VGG16 inference - Tom Berg. I ran the pretrained network on 30 photos of my "
        "own and it got 19 right.\n", encoding="utf-8")
    [grade] = assess_labs_of(tmp_path / "report.txt")
    assert grade.lab == "lab01_vgg16_inference"
    # The same sentence further down is a sentence about the lab, not the report's title.
    (tmp_path / "later.txt").write_text(
        "My notes on the course.\n\nLab 1 was quick. I ran the network on 30 photos.\n",
        encoding="utf-8")
    [later] = assess_labs_of(tmp_path / "later.txt")
    assert later.lab == ""


def test_the_lab_whose_names_a_report_uses_clearly_most_is_chosen_among_near_labs():
    from toolkit.grading.lab_split import named_lab, names_in

    labs = ["lab01_vgg16_inference", "lab03_cnn_mnist"]
    vgg = ["VGG16 with ImageNet weights", "Grad-CAM heat maps of the CNN's errors"]
    assert named_lab(vgg, labs) == ("lab01_vgg16_inference", 3, 1)
    # As many names of each (or a single mention): no lab is chosen.
    assert named_lab(["VGG16 is a CNN", "a convnet on ImageNet"], labs) is None
    assert named_lab(["a VGG16 run"], labs) is None
    # Names are whole words, or their plurals: "imagenetv2" is no mention of ImageNet, and
    # "LSTMs" is one of LSTM ("Convolutional networks" names the CNN lab).
    assert named_lab(["two LSTMs and imagenetv2", "the LSTM"],
                     ["lab05_glove_lstm", "lab06_bert_finetune", *labs]) == \
        ("lab05_glove_lstm", 2, 0)
    assert names_in("Entry 3: Convolutional networks, Fashion-MNIST") == ["lab03_cnn_mnist"]
    assert names_in("The convolution lab with the digits") == ["lab03_cnn_mnist"]
    assert named_lab(["GloVe vectors fed an LSTM"], ["lab05_glove_lstm",
                                                     "lab06_bert_finetune"])[0] == \
        "lab05_glove_lstm"


@needs_encoder
def test_a_notes_folder_on_vgg16_is_graded_as_lab_1_by_its_names(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "notes.md").write_text(
        "# My photos\n\n- Model: VGG16 with ImageNet weights from keras.applications\n"
        "- Data: 30 photos of my desk, 224x224\n- Result: top-1 60.0%, top-5 83.3%\n"
        "- Grad-CAM: the heat sits on the clutter for the wrong ones\n", encoding="utf-8")
    [grade] = assess_labs_of(folder)
    assert grade.lab == "lab01_vgg16_inference"
    assert any("whose names it uses" in w for w in grade.warnings)


@pytest.mark.parametrize("name", ["report.md", "report.txt"])
def test_a_figure_cited_by_its_file_name_in_a_sentence_is_a_figure(tmp_path, name):
    (tmp_path / name).write_text(
        "Results\n\nThe loss curves (curves.png) show the validation loss lowest in epoch 5. "
        "Accuracy was 82.3%.\n\ntop5_grid.png: every photo with its five guesses\n\n"
        "I saved nothing else; the file model.keras holds the weights.\n", encoding="utf-8")
    submission = read_submission("s", tmp_path / name)
    labels = [image.label for doc in submission.documents for image in doc.images]
    assert labels == ["The loss curves (curves.png) show the validation loss lowest in epoch 5.",
                      "top5_grid.png: every photo with its five guesses"]
    grade = assess(submission, RUBRIC, lab="lab05_glove_lstm")
    assert grade.result("training_check").requirements[0].status == MET


def test_a_logs_column_names_name_the_metric(tmp_path):
    # "val_acc" / "test acc" name accuracy as a training log does; a number alone names none.
    (tmp_path / "report.txt").write_text(
        "Lab 2 - MLP + dropout\n\nresults\n"
        "dropout 0.2: train_acc 0.9218, val_acc 0.8978, test acc 0.8903\n", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                   lab="lab02_mlp_dropout")
    assert grade.result("metrics").status == MET
    assert grade.result("runs").requirements[0].status == MET
    (tmp_path / "report.txt").write_text(
        "Lab 2 - MLP + dropout\n\nresults\ndropout 0.2: 0.9218, 0.8978, 0.8903\n",
        encoding="utf-8")
    bare = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC, lab="lab02_mlp_dropout")
    assert bare.result("metrics").status != MET


def test_a_file_name_in_code_or_an_image_link_is_no_caption_of_its_own(tmp_path):
    (tmp_path / "report.md").write_text(
        "```python\nplt.savefig('curves.png')\n```\n\n![Learning curves](curves.png)\n",
        encoding="utf-8")
    submission = read_submission("s", tmp_path / "report.md")
    assert [image.target for doc in submission.documents for image in doc.images] == [
        "curves.png"]


def test_a_caption_in_parentheses_wrapped_over_two_lines_is_one_figure(tmp_path):
    (tmp_path / "report.txt").write_text(
        "Numbers\n\nTest accuracy 99.05%, test loss 0.029. The learning curves (Figure 1: loss\n"
        "and accuracy per epoch) show the validation loss flat from epoch 6 on.\n\n"
        "A caption on one line (Figure 2: the confusion matrix) is found once.\n",
        encoding="utf-8")
    submission = read_submission("s", tmp_path / "report.txt")
    images = [(image.label, image.where) for doc in submission.documents for image in doc.images]
    assert images == [
        ("A caption on one line (Figure 2: the confusion matrix) is found once.", "report.txt:6"),
        ("The learning curves (Figure 1: loss and accuracy per epoch) show the validation loss "
         "flat from epoch 6 on.", "report.txt:3")]
    grade = assess(submission, RUBRIC, lab="lab03_cnn_mnist")
    assert grade.result("training_check").requirements[0].status == MET


@pytest.mark.parametrize("criterion, lab, text, counts", [
    # Under a heading of the student's own words, an imperative list proposes.
    ("improvements", "lab02_mlp_dropout", "## Making it better\n- Augment the training images "
     "with small rotations, shifts and elastic distortions, so that sloppy strokes are seen "
     "during training.\n", True),
    ("improvements", "lab02_mlp_dropout", "## what i'd change\nunfreezing the glove vectors "
     "after two epochs, a bidirectional lstm that reads the end of the sentence first too, and "
     "more epochs with early stopping.\n", True),
    ("improvements", "lab02_mlp_dropout", "## Outlook\nA deeper network with more dropout and a "
     "learning-rate schedule would probably remove most of these errors on the sloppy "
     "digits.\n", True),
    # A description of the setup names the same techniques but proposes nothing.
    ("improvements", "lab02_mlp_dropout", "## Setup\nTwo hidden layers with dropout of 0.2, "
     "because dropout switches off random neurons, trained with Adam at a learning rate of "
     "0.001 for 20 epochs.\n", False),
    ("improvements", "lab02_mlp_dropout", "## Results\nDropout 0.2 gave the best test accuracy, "
     "98.4%, and 0.5 underfits a little because half of the units are switched off.\n", False),
    # A hypothesis elsewhere is about the errors.
    ("hypothesis", "lab03_cnn_mnist", "## Where it trips up\nThe network seems to rely on a few "
     "local strokes, so when one is missing the digit changes class.\n", True),
    ("hypothesis", "lab03_cnn_mnist", "## Comparison\nThe Keras example reports 98.40%; mine is "
     "0.3 points lower, probably because I held out 10% of the training images for "
     "validation.\n", False),
    ("hypothesis", "lab03_cnn_mnist", "## Thoughts\nConvolutional networks are good for images "
     "because they use filters that slide over the image and learn features like edges.\n",
     False),
])
def test_an_answer_elsewhere_must_do_what_the_answer_does(tmp_path, criterion, lab, text,
                                                          counts):
    (tmp_path / "report.md").write_text(f"# Lab report\n\n{text}", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.md"), RUBRIC, lab=lab)
    assert (grade.result(criterion).status == MET) is counts


def test_elsewhere_patterns_must_be_regular_expressions(tmp_path):
    rubric = rubric_with_text_check(tmp_path, '{ keywords = ["idea"], elsewhere = ["(unclosed"] }')
    with pytest.raises(CourseError, match="not a regular expression"):
        load_rubric(rubric)


def test_a_description_names_the_hardware_and_the_datas_size_somewhere(tmp_path):
    setup = ("Setup\n\nThe task is sentiment classification of SST-2 sentences: 6,920 training "
             "and 1,821 test sentences. The model is an LSTM over GloVe embeddings with 768k "
             "parameters in three layers.\n")
    (tmp_path / "report.txt").write_text(setup, encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC, lab="lab05_glove_lstm")
    assert grade.result("description").status == MISSING
    assert "not the hardware" in grade.result("description").evidence[0]
    # The hardware named with the timing, in another section, completes the description.
    timing = "\nTiming\n\nTraining took 70 s on my laptop CPU.\n"
    (tmp_path / "report.txt").write_text(setup + timing, encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC, lab="lab05_glove_lstm")
    assert grade.result("description").status == MET
    # An accuracy before "validation" is no size of the data ("99.8 and validation is lower").
    sizeless = setup.replace(": 6,920 training and 1,821 test sentences", "") + (
        "\nResults\n\nThe train accuracy is 99.8 and validation is lower.\n") + timing
    (tmp_path / "report.txt").write_text(sizeless, encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC, lab="lab05_glove_lstm")
    assert "not the data's size" in grade.result("description").evidence[0]
    # ... while the student's own data counts in its own units ("1,480 closed tickets") or
    # by what the model was trained on ("trained on 1,066")
    for size in ("I exported 1,480 closed tickets.", "The model was trained on 1,066."):
        (tmp_path / "report.txt").write_text(sizeless + f"\nData\n\n{size}\n", encoding="utf-8")
        grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                       lab="lab05_glove_lstm")
        assert grade.result("description").status == MET, size
    # "3 of my own photos" is the data's size; "validation split = 10%" is a share, no size
    # ... and in a student's short words ("i took 6 pics", "10,000 imgs")
    for size, status in (("I ran it on 3 of my own photos.", MET),
                         ("i took 6 pics around my room.", MET),
                         ("predicted 10,000 imgs in 4 s.", MET),
                         ("Settings: validation split = 10%, batch 64.", MISSING)):
        (tmp_path / "report.txt").write_text(sizeless + f"\nData\n\n{size}\n", encoding="utf-8")
        grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                       lab="lab05_glove_lstm")
        assert grade.result("description").status == status, size


def test_a_machine_is_hardware_but_machine_learning_is_not(tmp_path):
    setup = ("Setup\n\nThe task is sentiment classification of SST-2 sentences: 6,920 training "
             "and 1,821 test sentences. The model is an LSTM over GloVe embeddings with 768k "
             "parameters in three layers. {where}\n")
    for where, status in (("All runs were on a departmental machine.", MET),
                          ("It is my first machine learning model.", MISSING)):
        (tmp_path / "report.txt").write_text(setup.format(where=where), encoding="utf-8")
        grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                       lab="lab05_glove_lstm")
        assert grade.result("description").status == status, where


def test_a_grad_cam_figure_is_one_of_lab_ones_outputs(tmp_path):
    (tmp_path / "photo2_cam.png").write_bytes(b"\x89PNG")
    (tmp_path / "report.md").write_text(
        "# Lab 1\n\n## Results\n\nTop-1 accuracy was 60.0% and top-5 accuracy 83.3% on my "
        "30 photos.\n\n![Grad-CAM of photo 2](photo2_cam.png)\n", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path), RUBRIC, lab="lab01_vgg16_inference")
    assert grade.result("runs").requirements[1].status == MET


def test_settings_written_short_are_hyperparameters(tmp_path):
    # "seq length 40", "64 units": the names a student writes for sequence length and units
    (tmp_path / "report.txt").write_text(
        "Settings\n\nsettings: LSTM 64 units, seq length 40, oov random, batch 64.\n",
        encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC, lab="lab05_glove_lstm")
    assert grade.result("hyperparameters").status == MET


def test_a_gap_explained_by_its_main_reason_is_justified(tmp_path):
    (tmp_path / "report.txt").write_text(
        "Comparison\n\nTai et al. (2015) report 84.9% for an LSTM, so our best model is about "
        "2 points lower. The main reason is probably the GloVe file: they used 300-d vectors "
        "trained on far more text.\n", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC, lab="lab05_glove_lstm")
    assert grade.result("comparison").status == MET


def test_a_plain_text_table_of_settings_in_columns_is_one_list(tmp_path):
    # Typed in two columns, one setting a line: each line alone names one hyperparameter;
    # the block names them all (it is no page of one-line notes).
    settings = ("hyperparameters\n  optimizer      adamw\n  lr             8e-5, warmup 10%\n"
                "  epochs         2\n  batch size     32\n  max length     128\n"
                "  seed           42\n")
    (tmp_path / "report.txt").write_text(f"LAB 6\n\n{settings}", encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "report.txt"), RUBRIC,
                   lab="lab06_bert_finetune")
    assert grade.result("hyperparameters").status == MET


def test_setup_notes_in_bullets_describe_the_setup_together(tmp_path):
    # Each bullet alone names too few of the description's words; the list under one heading
    # names them all. Without the encoder, the rules read the list as one unit too.
    notes = ("# VGG16 on my desk photos\n\n"
             "- Model: VGG16 from keras.applications, ImageNet weights, 16 weight layers, "
             "138M parameters\n"
             "- Data: 30 phone photos of things around my desk, resized to 224x224, fed in "
             "batches of 5\n"
             "- Machine: laptop CPU (Ryzen 5, 16 GB RAM)\n")
    (tmp_path / "notes.md").write_text(notes, encoding="utf-8")
    grade = assess(read_submission("s", tmp_path / "notes.md"), RUBRIC,
                   lab="lab01_vgg16_inference")
    assert grade.result("description").status == MET
    # One bullet of the same list is no description on its own.
    (tmp_path / "one.md").write_text("# Notes\n\n- Machine: laptop CPU (Ryzen 5, 16 GB RAM)\n"
                                     "- Speed: fast enough\n", encoding="utf-8")
    one = assess(read_submission("s", tmp_path / "one.md"), RUBRIC, lab="lab01_vgg16_inference")
    assert one.result("description").status != MET


def _graded_text(tmp_path: Path, name: str, text: str, lab: str):
    """The grade of a report of ``text`` saved as ``name``, graded as ``lab``."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    return assess(read_submission("s", tmp_path / name), RUBRIC, lab=lab)


def test_the_labs_published_score_named_with_a_word_of_the_check_is_the_comparison(tmp_path):
    # "The paper says 71.3% top-1": the comparison, although its sentences hold more of the
    # metrics' words (top-1, top-5, accuracy) than of the comparison's
    grade = _graded_text(tmp_path, "faq.md", (
        "# Lab 1 - VGG16 FAQ\n\n### How good was it?\n\nTop-1 accuracy 15/26 = 57.7%, top-5 "
        "accuracy 24/26 = 92.3%.\n\n### Is that good?\n\nThe paper says 71.3% top-1, so top-1 "
        "is worse but top-5 is better than their 90.1%. I only had 26 photos though.\n"),
        "lab01_vgg16_inference")
    published = grade.result("comparison").requirements[0]
    assert published.status == MET and "71.3%" in published.evidence[0]


def test_rmsprop_and_neurons_are_hyperparameters(tmp_path):
    grade = _graded_text(tmp_path, "report.txt", "Setup\n\nThe network was 2 hidden layers "
                         "with 512 neurons, RMSprop, batch 128.\n", "lab02_mlp_dropout")
    assert grade.result("hyperparameters").status == MET
