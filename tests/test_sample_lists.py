"""toolkit.grading.sample_lists: each layout of shown samples counts its samples, never its
header or its prose; without the ground truth nothing counts."""

from __future__ import annotations

import re

import pytest

from toolkit.grading.report_text import Line
from toolkit.grading.sample_lists import (
    annotated_blocks,
    annotated_lines,
    count_samples,
    sample_lines,
)

TRUTH = ("true", "truth", "gold", "actual")


def _lines(text: str, kind: str = "prose") -> list[Line]:
    return [Line(t, f"r.txt:{i}", kind if t.strip() else "blank")
            for i, t in enumerate(text.splitlines(), 1)]


def _text_table(rows: int, header: str = "index\ttrue label\tpredicted",
                sep: str = "\t") -> str:
    return "\n".join([header] + [sep.join([str(n), "positive", "negative"])
                                 for n in range(rows)])


@pytest.mark.parametrize("rows", [9, 10])
def test_a_text_tables_header_is_not_a_sample(rows):
    count, first = count_samples(_lines(_text_table(rows)), TRUTH)
    assert count == rows and first.text == "0\tpositive\tnegative"  # the first sample, not the header


def test_a_text_table_split_by_spaces_and_one_without_the_truth():
    spaced = _text_table(10, "index    true label    predicted", "    ")
    assert count_samples(_lines(spaced), TRUTH)[0] == 10
    no_truth = _text_table(10, "index\tsentence\tpredicted")
    assert count_samples(_lines(no_truth), TRUTH)[0] == 0
    assert count_samples(_lines(no_truth), ())[0] == 10  # no truth words: any table counts
    assert count_samples(_lines(_text_table(2)), TRUTH)[0] == 2


def test_a_text_table_split_by_pipes_under_a_header_a_blank_line_above():
    rows = "\n".join(f"  #{n}  | sentence number {n} .  | negative | positive" for n in range(11))
    text = f"Here are 11 of them (row | sentence | predicted | true):\n\n{rows}\n"
    count, first = count_samples(_lines(text), TRUTH)
    assert count == 11 and first.text.startswith("  #0 ")
    # without the header naming the truth the rows are no samples of it
    assert count_samples(_lines(rows), TRUTH)[0] == 0
    # a Markdown table's separator row is not a sample of a text table
    table = "| sentence | true | predicted |\n|---|---|---|\n" + "\n".join(
        f"| s{n} | pos | neg |" for n in range(3))
    assert count_samples(_lines(table, "table"), TRUTH)[0] == 3


def test_a_printed_table_of_every_sample_counts_its_errors_only():
    # a lab's printed output of all its photos: the right ones are no misclassified samples
    right = [f"photo_{n}.jpg    tabby (0.{n + 10})    tabby    yes" for n in range(14)]
    wrong = [f"other_{n}.jpg    vase (0.39) [unsure]    pot    no" for n in range(6)]
    text = "\n".join(["photo    top-1 (prob)    true    top-5", *right, *wrong])
    count, first = count_samples(_lines(text, "output"), TRUTH)
    assert count == 6 and first.text.startswith("other_0.jpg")
    # a probability after the class, without brackets, is still the class ("tabby 0.58");
    # a digit class is the whole cell
    table = "| photo | true class | top-1 (prob) |\n|---|---|---|\n" + "\n".join(
        [f"| p{n}.jpg | tabby | tabby 0.{n + 10} |" for n in range(12)]
        + [f"| q{n}.jpg | espresso | cup 44% |" for n in range(3)])
    assert count_samples(_lines(table, "table"), TRUTH)[0] == 3
    digits = "| index | true | predicted |\n|---|---|---|\n" + "\n".join(
        [f"| {n} | 7 | 7 |" for n in range(12)] + [f"| x{n} | 4 | 9 0.91 |" for n in range(2)])
    assert count_samples(_lines(digits, "table"), TRUTH)[0] == 2


def test_list_items_naming_the_truth_and_what_the_model_read_it_as():
    items = "\n".join(f"- a {n} that the net read as {(n + 1) % 10} (index {n}0): thin stroke"
                      for n in range(10))
    count, first = count_samples(_lines(items), TRUTH)
    assert count == 10 and first.text.startswith("- a 0 that")
    assert count_samples(_lines("- an 8 the model took for a 3\n- a 4 that the CNN read as 4"),
                         TRUTH)[0] == 1  # the same label twice is no error


def test_the_largest_of_two_text_tables_counts():
    text = _text_table(4) + "\n\n" + _text_table(7) + "\n\nA closing sentence of prose."
    count, first = count_samples(_lines(text), TRUTH)
    assert count == 7 and first.where == "r.txt:8"


def test_a_markdown_tables_rows_count_and_its_lines_are_samples():
    table = "| sentence | true | predicted |\n|---|---|---|\n" + "\n".join(
        f"| s{n} | pos | neg |" for n in range(10))
    lines = _lines("Some words first.\n\n" + table + "\n\nMy own reasoning here.", "table")
    count, first = count_samples(lines, TRUTH)
    assert count == 10 and first.text == "| s0 | pos | neg |"
    shown = sample_lines(lines)
    assert len(shown) == 12  # the header, the rule and ten rows
    assert not {id(lines[0]), id(lines[-1])} & shown
    no_truth = table.replace("true", "guess")
    assert count_samples(_lines(no_truth, "table"), TRUTH)[0] == 0
    assert sample_lines(_lines(no_truth, "table")) == set()


def test_a_long_list_item_is_the_students_reasoning_not_a_shown_sample():
    # "correct for" and "the record says ... [PAD]" look like a sample's truth and prediction;
    # an item of some seventy words is still the student's own answer.
    reasoning = ("1. **Out of memory.** Batch 32 crashed on the T4, so I went to batch 16 and "
                 "it worked. The warm-up is a share of the steps, so halving the batch changed "
                 "the schedule a bit and I did not correct for that. I first thought dynamic padding "
                 "would save me, but one batch with a very long sentence still needs the full "
                 "width, so the memory peak stays where it was.\n"
                 "2. **Padding.** The record says 24.9% of the token slots are [PAD] with "
                 "dynamic padding against 80.8% when padding everything to 128, so the model "
                 "processes about four times fewer slots, but the measured speed-up was only "
                 "2.3 times because of fixed costs per step and new compilations per shape, "
                 "and on a GPU short sequences do not fill the device anyway. It took me a while "
                 "to see why.")
    sample = '3. "not a bad movie" predicted negative, true label positive\n'
    lines = _lines(reasoning + "\n" + sample)
    assert {line.text[:2] for line in lines if id(line) in sample_lines(lines)} == {"3."}


def test_an_item_of_several_sentences_is_reasoning_however_short_and_quoted():
    # Under 60 words, with "correct" and quoted predictions, but four sentences of its own.
    reasoning = ('- VGG16 is trained on ImageNet, 1000 classes. I tested 8 photos from my trip, 6 '
                 'of them had the correct class in the top-5. The panda was "giant panda" 0.97. '
                 'But the dumplings were "bagel", because dumplings are no ImageNet class.\n')
    sample = '- "not a bad movie" predicted negative. True label: positive. Negation.\n'
    lines = _lines(reasoning + sample)
    assert {line.text[:4] for line in lines if id(line) in sample_lines(lines)} == {'- "n'}


def test_list_items_with_the_truth_and_their_continuation_lines():
    items = "\n".join(f'{n}. "a sentence {n}" was wrong\n   true label: positive'
                      for n in range(1, 11))
    lines = _lines(items)
    count, first = count_samples(lines, TRUTH)
    assert count == 10 and first.text.startswith("1.")
    assert len(sample_lines(lines)) == 20
    plain = "\n".join(f"- idea {n}: more data" for n in range(10))
    assert count_samples(_lines(plain), TRUTH)[0] == 0
    assert sample_lines(_lines(plain)) == set()


def test_labelled_blocks_count_once_and_the_prediction_label_is_not_the_truth():
    blocks = "\n\n".join(f"Text: sentence {n}\nPredicted: neg\nTruth: pos" for n in range(9))
    lines = _lines(blocks)
    count, first = count_samples(lines, TRUTH)
    assert count == 9 and first.text == "Truth: pos"
    assert len(sample_lines(lines)) == 27
    predicted_only = "\n\n".join(f"Text: s{n}\nPredicted true label: neg" for n in range(9))
    assert count_samples(_lines(predicted_only), TRUTH)[0] == 0
    mixed = "Text: s1\nTruth: pos\nthen a sentence of prose without a label"
    assert sample_lines(_lines(mixed)) == set()  # a block is samples only when all labelled


def test_a_label_saying_actually_names_no_truth_and_its_answer_is_the_students():
    answer = ("Where I'd actually use this: I work part-time at a bike shop that gets a lot "
              "of reviews, and a fine-tuned MiniLM could flag the negative ones.")
    assert sample_lines(_lines(answer)) == set()
    shown = _lines("Text: never dull\nActual label: positive")
    assert len(sample_lines(shown)) == 2  # "Actual label:" still names the truth
    blocks = "\n\n".join(f"Text: s{n}\nPredicted: neg\nActually: pos" for n in range(9))
    assert count_samples(_lines(blocks), TRUTH)[0] == 9  # and so does "Actually:" alone


def test_inline_samples_are_counted_once_each():
    prose = ('The model labelled "not bad at all" as negative although it is positive. '
             'It labelled "not bad at all" negative again, though it is positive; '
             'it called "x" negative but it was positive; "a fine film" was fine.')
    count, first = count_samples(_lines(prose), TRUTH)
    assert count == 1 and first is not None
    assert count_samples(_lines("- " + prose), TRUTH)[0] <= 1  # a list item is not prose


def test_a_quoted_sample_holding_apostrophes_or_a_semicolon_is_one_sample():
    # SST-2's sentences keep their tokens apart ("did n't") and hold " ; ": a double quote
    # closes only at a double quote, and a clause does not end inside it.
    prose = ('It read "i did n\'t laugh once , and i wanted to" as positive although it is '
             'negative, and "nothing here is as clever as it thinks" as positive (true: '
             'negative). "the first half is a delight ; the second half is a chore" is labelled '
             'negative but was predicted positive. It called "a slow start gives way to a '
             'moving finale" negative although it is positive.')
    count, first = count_samples(_lines(prose), TRUTH)
    assert count == 4 and first is not None


def test_words_of_another_list_in_both_orders_are_no_labels():
    # Eight errors as list items, and a comparison's and a reference list's three items
    # naming "GloVe" and "vectors" in both orders: only the errors' labels pair up.
    errors = "\n".join(f'{n}. "sentence number {n} here" - true {a}, predicted {b}'
                        for n, (a, b) in enumerate([("positive", "negative"),
                                                    ("negative", "positive")] * 4, start=1))
    others = ("1. Word vectors: they use bigger GloVe files than mine.\n"
              "2. GloVe was trained on far more text than my vectors.\n"
              "3. Pennington et al. (2014). GloVe: Global Vectors for Word Representation.")
    count, _ = count_samples(_lines(f"{others}\n\n{errors}"), TRUTH)
    assert count == 8


def test_lines_of_other_kinds_are_not_read():
    table = _text_table(10)
    assert count_samples(_lines(table, "code"), TRUTH) == (0, None)
    assert count_samples(_lines(table, "output"), TRUTH)[0] == 10


# --- "true -> predicted" lists ---------------------------------------------------------------

ARROWS = "\n".join(f"{n}. image {n}: 4 -> 9" for n in range(1, 11))


@pytest.mark.parametrize("intro", ["Errors (true -> predicted):", "TRUE CLASS FIRST:",
                                   "Some errors:", "What the model got wrong:"])
def test_a_list_of_arrows_counts_when_the_line_above_announces_it(intro):
    count, first = count_samples(_lines(f"{intro}\n\n{ARROWS}"), TRUTH)
    assert count == 10 and first.text == "1. image 1: 4 -> 9"


def test_a_list_of_arrows_not_announced_is_no_sample_list():
    pipeline = ARROWS.replace("4 -> 9", "conv -> pool")
    assert count_samples(_lines(f"The pipeline:\n\n{pipeline}"), TRUTH)[0] == 0
    # The announcement is the last line above the list, not one further up.
    interrupted = f"Errors (true -> predicted):\n\nThe network has three layers.\n\n{ARROWS}"
    assert count_samples(_lines(interrupted), TRUTH)[0] == 0


def test_a_programs_lines_opening_with_the_pair_in_brackets_are_samples():
    printed = "200 wrong\n" + "\n".join(f"[pos->neg] 0.9{n} the film {n} is routine but fun ."
                                         for n in range(12))
    count, first = count_samples(_lines(printed, "output"), TRUTH)
    assert count == 12 and first.text.startswith("[pos->neg] 0.90")
    # a bracketed pair not announced as errors is no sample list
    steps = "Pipeline:\n" + "\n".join(f"[conv->pool] block {n}" for n in range(12))
    assert count_samples(_lines(steps, "output"), TRUTH)[0] == 0


def test_the_largest_announced_list_of_arrows_counts():
    short = "\n".join(f"{n}. cat -> dog" for n in range(1, 4))
    text = f"Errors (true -> predicted):\n{short}\n\nMore errors, true first:\n{ARROWS}\n"
    count, first = count_samples(_lines(text), TRUTH)
    assert count == 10 and first.text == "1. image 1: 4 -> 9"
    count, first = count_samples(_lines(f"Errors, true first:\n{ARROWS}\n\n"
                                        f"Errors again, true first:\n{ARROWS}"), TRUTH)
    assert count == 10 and first.where == "r.txt:2"  # of two as large, the first


# --- tables a PDF export flattened -----------------------------------------------------------

FLAT_ROWS = [
    "dull positive negative",                                  # three words: a row
    "it is not the worst film i saw this year at all.",         # twelve words, a full stop
    " ".join(["a"] * 10 + ["positive", "negative", "0.93"]),  # thirteen words
    " ".join(["long"] * 28 + ["positive", "negative"]),         # thirty words
]


def _flat(header: str, after: str = "") -> list[Line]:
    return _lines("\n".join(["Here are the errors of the model:", header, *FLAT_ROWS, after]))


@pytest.mark.parametrize("header", ["True Predicted", "Sentence True Predicted Confidence",
                                    "Index Sentence True label Predicted label Confidence Notes"])
def test_a_flattened_tables_rows_count_under_a_short_header(header):
    count, first = count_samples(_flat(header), TRUTH)
    assert count == len(FLAT_ROWS) and first.text == FLAT_ROWS[0]


def test_a_flattened_tables_header_is_short_and_names_the_truth_and_the_prediction():
    long_header = "Index Sentence True label Predicted label Confidence Notes Extra"  # nine
    assert count_samples(_flat(long_header), TRUTH)[0] == 0
    # A header of nine to twelve words heads only rows opening with a number (a test index):
    # "test index true label predicted confidence error type fix idea" over a drawn table.
    digits = "\n".join(f"{index} 4 9 0.{90 + n} closed top" for n, index in
                        enumerate([115, 247, 321, 1014, 2597]))
    header = "test index true label predicted confidence error type fix idea"
    assert count_samples(_lines(f"{header}\n{digits}"), TRUTH)[0] == 5
    prose = ("The true label of the first one was 4 but it predicted 9\n"
             "which I think is because the top of the four is closed and\n"
             "looks like a nine when the stroke is thick enough anyway")
    assert count_samples(_lines(prose), TRUTH)[0] == 0
    assert count_samples(_flat("Sentence True Confidence"), TRUTH)[0] == 0
    # The rubric's truth words decide; without any, the course's own.
    assert count_samples(_flat("Sentence Expected Predicted"), TRUTH)[0] == 0
    assert count_samples(_flat("Sentence Predicted Confidence"), ())[0] == 0
    assert count_samples(_flat("Sentence Expected Predicted"), ())[0] == len(FLAT_ROWS)


@pytest.mark.parametrize("end", [
    "## Results on the test set",
    " ".join(["word"] * 31),                                   # too long for a row
    "The model is wrong on long sentences more often than on short ones. ",  # prose (13 words)
    "so what",                                                 # too short for a row
])
def test_a_flattened_table_ends_at_a_heading_a_long_line_or_prose(end):
    lines = _flat("Sentence True Predicted", end + "\n" + "\n".join(FLAT_ROWS[:3]))
    if end.startswith("#"):
        lines[6] = Line(end.lstrip("# "), "r.txt:7", "heading", 2)
    assert count_samples(lines, TRUTH)[0] == len(FLAT_ROWS)


def test_of_two_flattened_tables_as_large_the_first_counts():
    text = ["Sentence True Predicted", *FLAT_ROWS, "", "Sentence Truth Predicted", *FLAT_ROWS]
    count, first = count_samples(_lines("\n".join(text)), TRUTH)
    assert count == len(FLAT_ROWS) and first.where == "r.txt:2"


# --- samples quoted in prose ------------------------------------------------------------------

def test_each_quoted_sample_in_a_sentence_naming_the_prediction_and_the_truth_counts():
    lines = _lines(
        "- a list item first\n"
        "Note: a labelled line first\n"
        'We read the errors. The model called "a dull ride" positive although it is negative; '
        'it called "awful" positive but it is negative.\n'
        'The model called "a fine film" good.\n'           # no truth named: no sample
        'It is "really quite good" in fact.\n'             # no prediction named: no sample
        '"Just plain" words.\n'                            # neither
        'The model labelled "not bad" as negative, though it is positive.')
    count, first = count_samples(lines, TRUTH)
    assert count == 2 and first.where == "r.txt:3"  # a one-word quote is no sample


def test_only_prose_is_read_for_quoted_samples():
    sentence = 'The model labelled "not bad at all" as negative although it is positive.'
    for kind in ("table", "generated", "output"):
        assert count_samples(_lines(sentence, kind), TRUTH)[0] == 0
    assert count_samples(_lines("- " + sentence), TRUTH)[0] == 0  # a list item is not prose
    assert count_samples(_lines(sentence), TRUTH)[0] == 1


def test_only_the_first_5000_characters_of_a_line_are_read():
    sample = 'Although it is positive, the model called "not bad at all'
    cut = "x" * (5000 - len(sample) - 1) + " " + sample  # the closing quote at 5,000
    assert count_samples(_lines(cut + '" negative.'), TRUTH)[0] == 0
    assert count_samples(_lines(cut[1:] + '" negative.'), TRUTH)[0] == 1


# --- list items, labelled blocks, one-line samples ----------------------------------------------

def test_list_items_apart_from_the_prose_around_them():
    items = "\n\n".join(f'{n}. "sentence {n}" was wrong, true label: positive'
                        for n in range(1, 11))
    lines = _lines("One item first:\n- my first idea\n\n" + items
                   + "\n\nI think the true cause is negation.")
    assert count_samples(lines, TRUTH)[0] == 10
    shown = sample_lines(lines)
    assert len(shown) == 10 and id(lines[-1]) not in shown and id(lines[1]) not in shown
    lines[-2] = Line("My analysis", "r.txt:31", "heading", 2)  # a heading, not a blank line
    assert id(lines[-1]) not in sample_lines(lines)


def test_a_list_item_wrapped_before_its_truth_word_counts():
    items = "\n".join(f'{n}. "sentence {n}" was read as negative; its\ntrue one is positive'
                      for n in range(1, 11))
    assert count_samples(_lines(items), TRUTH)[0] == 10


def test_a_list_item_naming_the_prediction_and_a_label_in_brackets_counts():
    items = "\n".join(f'{n}. "review {n}" (predicted negative, positive)' for n in range(1, 11))
    assert count_samples(_lines(items), TRUTH)[0] == 10
    half = "\n".join([f"- the model could use more data {n}" for n in range(5)]
                     + [f"- see the paper [Smith 20{n}]" for n in range(10, 15)])
    assert count_samples(_lines(half), TRUTH)[0] == 0


def test_a_list_item_with_a_measurement_in_brackets_is_the_student_s_own_words():
    # "models" and "(528 MB)" are no prediction and no label in brackets.
    item = ("- The weights download (528 MB) failed on the campus wifi twice, so I copied "
            "the cached file into ~/.keras/models and it loaded.")
    assert sample_lines(_lines(item)) == set()
    for measured in ("(~90%)", "(12 s)", "(3.5 GB)"):
        assert sample_lines(_lines(f"- the model was slow {measured} on my laptop")) == set()
    shown = _lines("- the model said negative (positive)")
    assert sample_lines(shown) == {id(shown[0])}


def test_a_labelled_block_before_a_heading_and_its_first_line():
    blocks = "\n\n".join(f"Text: sentence {n}\nTruth: pos" for n in range(9))
    lines = _lines(blocks + "\nnext")
    lines[-1] = Line("Analysis", "r.txt:27", "heading", 2)
    count, first = count_samples(lines, TRUTH)
    assert count == 9 and first.where == "r.txt:2"
    assert len(sample_lines(lines)) == 18


def test_one_sample_a_line_counts_up_to_forty_words():
    lines = _lines("\n".join(f"test #{n} -- [true 3] predicted 8" for n in range(10)))
    count, first = count_samples(lines, TRUTH)
    assert count == 10 and first.text == "test #0 -- [true 3] predicted 8"
    forty = "test #1 -- [true 3] predicted 8 " + " ".join(["word"] * 33)
    assert len(forty.split()) == 40
    assert count_samples(_lines(forty), TRUTH)[0] == 1
    assert count_samples(_lines(forty + " more"), TRUTH)[0] == 0


# --- text tables (a header without a prediction column: no other layout reads them) -----------

PLAIN = "index\ttrue label\tsentence"
FIRST_ROW = "0\tpositive\tnegative"  # the evidence a text table gives: its first sample


def test_a_text_table_needs_two_rows_under_its_header():
    assert count_samples(_lines(_text_table(1, PLAIN)), TRUTH)[0] == 0
    count, first = count_samples(_lines(_text_table(2, PLAIN)), TRUTH)
    assert count == 2 and first.text == FIRST_ROW


def test_of_two_text_tables_the_larger_or_the_first_counts():
    for sizes, rows, where in (((7, 6), 7, "r.txt:2"), ((4, 5), 5, "r.txt:8"),
                               ((5, 5), 5, "r.txt:2")):
        text = _text_table(sizes[0], PLAIN) + "\n\n" + _text_table(sizes[1], PLAIN)
        count, first = count_samples(_lines(text), TRUTH)
        assert (count, first.where) == (rows, where)


def test_a_text_tables_rows_may_miss_a_cell_and_end_where_the_width_changes():
    rows = [PLAIN + "\tconfidence", "1\tpositive\tgood", "2\tpositive\tgood film\t0.9\tx",
            "3\tpositive\tgood film\t0.9"]  # a cell fewer, a cell more
    assert count_samples(_lines("\n".join(rows)), TRUTH)[0] == 3
    # A table right under another of another width starts afresh with its own header.
    wide = "\n".join(["a\tb\tc\td\te"] * 4)
    count, first = count_samples(_lines(wide + "\n" + _text_table(10, PLAIN)), TRUTH)
    assert count == 10 and first.text == FIRST_ROW
    # A line of two cells above the header is not its header; one below is not a row.
    count, first = count_samples(_lines("Misclassified\t(10)\n" + _text_table(10, PLAIN)
                                        + "\nTotal\t10"), TRUTH)
    assert count == 10 and first.text == FIRST_ROW
    assert count_samples(_lines(_text_table(10, PLAIN) + "\n1\t2\t3\t4\t5"), TRUTH)[0] == 10


def test_a_heading_ends_a_list_of_arrows_and_may_announce_one():
    lines = _lines(f"Errors (true -> predicted):\n\n{ARROWS}\nnext\n- x -> y")
    lines[12] = Line("What I changed", "r.txt:13", "heading", 2)
    assert count_samples(lines, TRUTH)[0] == 10  # "- x -> y" is under another heading
    lines = _lines(f"x\n{ARROWS}")
    lines[0] = Line("Misclassified samples (true -> predicted)", "r.txt:1", "heading", 2)
    assert count_samples(lines, TRUTH)[0] == 10


def test_a_list_of_arrows_split_by_a_blank_line_is_still_announced():
    first = "\n".join(f"{n}. cat -> dog" for n in range(1, 4))
    assert count_samples(_lines(f"Errors (true -> predicted):\n\n{first}\n\n{ARROWS}"),
                         TRUTH)[0] == 10


def test_a_heading_above_the_samples_is_never_one_of_them():
    def under(title: str, body: str) -> list[Line]:
        lines = _lines("title\n" + body)
        lines[0] = Line(title, "r.txt:1", "heading", 2)
        return lines

    one_a_line = "\n".join(f"test #{n} -- [true 3] predicted 8" for n in range(10))
    assert count_samples(under("Errors #1 to #10: true label and prediction", one_a_line),
                         TRUTH)[0] == 10
    blocks = "\n\n".join(f"Text: sentence {n}\nTruth: pos" for n in range(9))
    assert count_samples(under("Truth: what the model got wrong", blocks), TRUTH)[0] == 9
    count, first = count_samples(under("errors  true label  sentence", _text_table(10, PLAIN)),
                                 TRUTH)
    assert count == 10 and first.text == FIRST_ROW


# --- labels exchanged across samples: any wording ---------------------------------------------

ERRORS = [("a gorgeous , witty movie", "negative", "positive"),
          ("the plot is pure boilerplate", "positive", "negative"),
          ("not nearly as dull as it sounds", "negative", "positive"),
          ("too clever by half", "positive", "negative")]


def _bracket_list(samples) -> str:
    return "\n".join(f'{n}. "{text}" [{said}; should be {right}]'
                     for n, (text, said, right) in enumerate(samples, 1))


def test_list_items_naming_two_labels_in_both_orders_count_in_any_wording():
    count, first = count_samples(_lines(_bracket_list(ERRORS)), TRUTH)
    assert count == 4 and first.text.startswith("1.")
    # Errors one way only ("negative" always first): no pair of labels shows, nothing counts.
    one_way = [(text, "negative", "positive") for text, _, _ in ERRORS]
    assert count_samples(_lines(_bracket_list(one_way)), TRUTH)[0] == 0


def test_labelled_blocks_in_the_students_own_words_count_by_their_labels():
    blocks = "\n\n".join(f'**Review:** "{text}"\n**Model thought:** {said}\n'
                         f"**Right answer:** {right}" for text, said, right in ERRORS)
    count, first = count_samples(_lines(blocks), TRUTH)
    assert count == 4 and first.text.startswith("**Review:**")


def test_quoted_sentences_wrapped_over_lines_count_once_per_quote():
    prose = ('The model called "a gorgeous , witty movie" negative when it is positive, and\n'
             'it read "the plot is pure boilerplate" as positive although it is negative. '
             '"not nearly as dull\nas it sounds" came out negative but it is positive, and so did '
             '"hard to dislike", positive too.\n'
             '"too clever by half" was positive for the model, negative in the data.')
    count, first = count_samples(_lines(prose), TRUTH)
    # "hard to dislike" names one label only: it counts in a sentence that names a pair.
    assert count == 5 and first.text.startswith("The model")


def test_settings_listed_in_a_fixed_order_are_no_samples():
    runs = "\n".join(f"{n}. dropout {rate} (validation accuracy {acc}%, test accuracy {acc}%)"
                     for n, (rate, acc) in enumerate([(0.1, 97.9), (0.2, 98.1), (0.3, 98.0),
                                                      (0.5, 97.6)], 1))
    assert count_samples(_lines(runs), TRUTH)[0] == 0
    # Words that swap places in prose without quotes are no shown samples either.
    prose = ("Training loss fell while validation loss rose. Validation accuracy beat training "
             "accuracy early on. Loss curves show validation above training later.")
    assert count_samples(_lines(prose), TRUTH)[0] == 0


def test_code_in_backticks_is_no_bracketed_label():
    lines = [Line("- Challenges: a shape error in my model because I forgot the channel axis, "
                  "fixed with `x[..., None]`.", "r.md:1", "prose")]
    assert sample_lines(lines) == set()
    sample = [Line("- the plot was thin, the acting worse -- model said positive (negative)",
                   "r.md:2", "prose")]
    assert sample_lines(sample) == {id(sample[0])}


def test_a_lone_list_item_with_a_truth_word_shows_a_sample_only_with_its_marks():
    # "labels ... are wrong", "correct class": a truth word in the student's own sentence
    reasoning = _lines("- Look at confidence more. 9 errors had over 90% confidence, I think "
                       "some labels in SST-2 are wrong.")
    assert sample_lines(reasoning) == set()
    for shown in ('- "not bad at all" true label: positive', "- idx 12: true 4, predicted 9",
                  "- the model said negative (positive)"):
        lines = _lines(shown)
        assert sample_lines(lines) == {id(lines[0])}, shown


def test_a_table_with_short_alignment_rows_is_a_table():
    rows = "\n".join(f"| sentence {n} | 0 | 1 |" for n in range(10))
    lines = _lines("| Sentence | True | Pred |\n|---|:-:|:-:|\n" + rows, "table")
    assert count_samples(lines, TRUTH)[0] == 10


def test_a_lists_lead_in_may_give_every_items_labels_at_once():
    items = "\n".join(f" {n}. a sentence number {n} , but a rewarding one .   (0.7)"
                      for n in range(1, 11))
    lead = ("Ten positive test sentences that the random-embedding model classified as\n"
            "negative (with its probability of negative):\n")
    count, first = count_samples(_lines(lead + items), TRUTH)
    assert count == 10 and first.text.startswith(" 1.")
    # A lead-in that names no label of its own ("misclassified sentences ... predicted as")
    # gives none, nor does a list without a lead-in.
    vague = "Some misclassified sentences that were predicted as wrong:\n"
    assert count_samples(_lines(vague + items), TRUTH)[0] == 0
    assert count_samples(_lines(items), TRUTH)[0] == 0


def test_a_flattened_tables_numbered_rows_count_however_they_wrap():
    """A PDF wraps a long sentence's row over lines: the rows are counted by their numbers."""
    rows = []
    for n in range(1, 12):
        rows += [f"{n} the plot of film number {n} goes on and on without any point and the",
                 "actors look bored .", f"{n % 2} {1 - n % 2} 0.{n + 40} negation"]
    count, first = count_samples(_lines("\n".join(["# Sentence True Pred. Conf. Tags", *rows])),
                                 TRUTH)
    assert count == 11 and first.text.startswith("1 the plot of film number 1 ")
    # Rows that skip a number end the count there.
    skipped = [row for row in rows if not row.startswith("4 ")]
    assert count_samples(_lines("\n".join(["# Sentence True Pred.", *skipped])), TRUTH)[0] == 3


def test_a_block_whose_prediction_is_its_truth_shows_no_error():
    blocks = "\n\n".join(f"Sentence: film {n}\nPredicted Label: 0\nActual Label: {n % 5 != 0:d}"
                         for n in range(12))  # films 0, 5 and 10 were predicted right
    count, first = count_samples(_lines(blocks), TRUTH + ("label",))
    assert count == 9 and first.where == "r.txt:7"  # film 1's truth, after film 0's block


def test_annotated_blocks_need_both_a_cause_and_a_fix():
    blocks = ("Review: \"a dull film\"\nmodel said: pos | correct: neg\nwhy: sarcasm\nfix: a "
              "transformer\n\nReview: \"not bad\"\nmodel said: neg\nwhy: negation\n\n"
              "Review: \"fine\"\nwhy: too short\nfix:\n")
    found = annotated_blocks(_lines(blocks), re.compile(r"\bwhy\b"), re.compile(r"\bfix"))
    assert [(first.where, cause, fix) for first, cause, fix in found] == [
        ("r.txt:1", "sarcasm", "a transformer")]


def test_annotated_lines_hold_a_cause_before_a_fix_inside_one_samples_line():
    items = ("- Test index 1232: true label 9, predicted 4 (p = 0.93). The loop is open at the "
             "top. Type: ambiguous shape. Fix: none for an MLP.\n"
             "- Test index 582: true label 8, predicted 2. Fix: more data. Type: flat loop.\n"
             "- Test index 445: true label 6, predicted 0. Type: very round.\n"
             "Note: the prototype type: x. Fix it: later.")
    found = annotated_lines(_lines(items), re.compile(r"(error )?type|cause"),
                            re.compile(r"\bfix"))
    # the fix must follow the type, and a sentence's "type:" is no label of its own
    assert [(line.where, cause, fix) for line, cause, fix in found] == [
        ("r.txt:1", "ambiguous shape", "none for an MLP")]


def test_a_reason_naming_the_model_with_a_bracket_is_no_sample():
    reasons = ("I think the main reasons are:\n- they use GloVe 840B, we have 50 dimensions\n"
               "- they tuned the model, we use the defaults (early stopping at 7)\n"
               "The first reason is the biggest because the frozen model is so bad (66%).")
    assert sample_lines(_lines(reasons)) == set()
    # The model's answer named with its label in brackets is one.
    shown = _lines("- the film is dull, predicted (positive)\n- not bad at all, predicted "
                   "(negative)")
    assert len(sample_lines(shown)) == 2


def test_an_answer_under_its_own_bold_label_is_no_sample_though_it_has_brackets():
    """"- **Outside the lab:** ... labelled data (for/against a bill) ..." is the student's
    answer; "- **Error 3:** ... (true pos)" shows a sample."""
    answer = _lines("- **Outside the lab:** For my thesis I code 2,000 speeches for stance "
                    "(for/against a bill), and with so little labelled data I would compare "
                    "last-n against full fine-tuning.")
    assert sample_lines(answer) == set()
    error = _lines('- **Error 3:** "a sometimes tedious film" (true negative, predicted positive)')
    assert sample_lines(error) == {id(error[0])}


def test_pairs_after_a_legend_naming_the_truth_are_samples():
    caption = _lines("Figure 2: Misclassified test digits (true/pred): 7/2, 4/9, 9/4, 5/3, "
                     "6/0, 2/7, 9/7, 3/5, 8/2, 1/7, 4/6, 9/8")
    assert count_samples(caption, TRUTH) == (12, caption[0])
    arrows = _lines("errors [actual -> predicted]: cat->dog, shirt->t-shirt, 4->9, 9->9")
    assert count_samples(arrows, TRUTH)[0] == 3  # the same label twice is no error
    no_legend = _lines("Dropout 0.25/0.5, batch 64/128, lr 1e-3/1e-4 in the two runs.")
    assert count_samples(no_legend, TRUTH)[0] == 0
    confused = _lines("Most confused (true/pred): 4/9 (12 times), 7/2 (9 times), 3/5 (7 times)")
    assert count_samples(confused, TRUTH)[0] == 0  # classes confused, counted: no samples


def test_a_printed_dataframes_index_name_line_does_not_end_its_table():
    # pandas prints a named index on a line of its own between the header and the rows
    rows = [f"{1000 + n:<10}     4          9        0.9{n}" for n in range(10)]
    text = "\n".join(["            true  predicted  p_predicted", "test_index" + " " * 30] + rows)
    count, first = count_samples(_lines(text, "output"), TRUTH)
    assert count == 10 and first.text.startswith("1000")
    # a word line elsewhere still splits two tables
    split = "\n".join(["            true  predicted  p_predicted"] + rows[:5] + ["note"] + rows[5:])
    assert count_samples(_lines(split, "output"), TRUTH)[0] == 5


def test_a_rule_typed_under_a_plain_text_tables_header_does_not_end_it():
    # An e-mail's table: a header, a line of dashes, then rows split by pipes
    rows = [f"  {247 + n:<10} | 4          | 9         | 0.9{n}" for n in range(12)]
    for rule in ("  " + "-" * 46, "  ===========|=========|======"):
        text = "\n".join(["  test index | true label | predicted | confidence", rule] + rows)
        count, first = count_samples(_lines(text), TRUTH)
        assert count == 12 and first.text.strip().startswith("247"), rule
    # a line of words there is no rule: the header stands alone
    words = "\n".join(["  test index | true label | predicted | confidence", "  see below"] + rows)
    assert count_samples(_lines(words), TRUTH)[0] < 12


def test_a_printout_of_one_error_per_line_counts_every_line():
    # A notebook prints its errors as "index pred: X true: Y": the first line is a sample, not
    # a header over the rest; a line whose prediction is the truth is no error, and the
    # print() call that wrote them is code.
    printout = "\n".join(f"{index} pred: {pred} true: {true}" for index, pred, true in (
        (12, 6, 0), (17, 4, 2), (23, 9, 5), (25, 4, 2), (40, 6, 0), (42, 3, 6), (49, 6, 2),
        (66, 3, 1), (68, 9, 7), (89, 6, 4), (90, 1, 1)))
    count, first = count_samples(_lines(printout, "output"), TRUTH)
    assert count == 10 and first.text == "12 pred: 6 true: 0"
    code = _lines('print(i, "pred:", pred[i], "true:", y_test[i])', "code")
    assert count_samples(code, TRUTH)[0] == 0
