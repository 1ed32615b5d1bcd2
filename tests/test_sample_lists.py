"""toolkit.grading.sample_lists: each layout of shown samples counts its samples, never its
header or its prose; without the ground truth nothing counts."""

from __future__ import annotations

import pytest

from toolkit.grading.report_text import Line
from toolkit.grading.sample_lists import count_samples, sample_lines

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
    assert count == rows and first.text.startswith("index")


def test_a_text_table_split_by_spaces_and_one_without_the_truth():
    spaced = _text_table(10, "index    true label    predicted", "    ")
    assert count_samples(_lines(spaced), TRUTH)[0] == 10
    no_truth = _text_table(10, "index\tsentence\tpredicted")
    assert count_samples(_lines(no_truth), TRUTH)[0] == 0
    assert count_samples(_lines(no_truth), ())[0] == 10  # no truth words: any table counts
    assert count_samples(_lines(_text_table(2)), TRUTH)[0] == 2


def test_the_largest_of_two_text_tables_counts():
    text = _text_table(4) + "\n\n" + _text_table(7) + "\n\nA closing sentence of prose."
    count, first = count_samples(_lines(text), TRUTH)
    assert count == 7 and first.where == "r.txt:7"


def test_a_markdown_tables_rows_count_and_its_lines_are_samples():
    table = "| sentence | true | predicted |\n|---|---|---|\n" + "\n".join(
        f"| s{n} | pos | neg |" for n in range(10))
    lines = _lines("Some words first.\n\n" + table + "\n\nMy own reasoning here.", "table")
    count, first = count_samples(lines, TRUTH)
    assert count == 10 and first.text.startswith("| sentence")
    shown = sample_lines(lines)
    assert len(shown) == 12  # the header, the rule and ten rows
    assert not {id(lines[0]), id(lines[-1])} & shown
    no_truth = table.replace("true", "guess")
    assert count_samples(_lines(no_truth, "table"), TRUTH)[0] == 0
    assert sample_lines(_lines(no_truth, "table")) == set()


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


def test_inline_samples_are_counted_once_each():
    prose = ('The model labelled "not bad at all" as negative although it is positive. '
             'It labelled "not bad at all" negative again, though it is positive; '
             'it called "x" negative but it was positive; "a fine film" was fine.')
    count, first = count_samples(_lines(prose), TRUTH)
    assert count == 1 and first is not None
    assert count_samples(_lines("- " + prose), TRUTH)[0] <= 1  # a list item is not prose


def test_lines_of_other_kinds_are_not_read():
    table = _text_table(10)
    assert count_samples(_lines(table, "code"), TRUTH) == (0, None)
    assert count_samples(_lines(table, "output"), TRUTH)[0] == 10
