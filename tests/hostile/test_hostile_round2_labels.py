"""Labels of labs 4-6's ``--data`` (issue 23, class 6): one class however a spreadsheet writes
the number, and a column that mixes numbers and words refused in one line naming a few.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faults import OK

from toolkit.errors import CourseError
from toolkit.text.readers import encode_file, read_text_file

TEXTS = ["a fine film", "dull and long", "great acting", "weak plot", "loved it", "not again",
         "superb", "boring", "moving story", "flat jokes", "a delight", "a mess"]


def _csv(path: Path, labels: list[str]) -> Path:
    rows = [f'"{TEXTS[i % len(TEXTS)]} {i}",{label}' for i, label in enumerate(labels)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _lines(path: Path, labels: list[str]) -> Path:
    path.write_text("".join(f"{label} {TEXTS[i % len(TEXTS)]} {i}\n"
                            for i, label in enumerate(labels)), encoding="utf-8")
    return path


def _classes(path: Path) -> tuple[str, object]:
    try:
        raw = read_text_file(path)
        y, classes = encode_file(raw, path)
    except CourseError as error:
        return "refused", error.message
    except Exception as error:  # noqa: BLE001 - the battery counts it
        return "TRACEBACK", repr(error)
    return "classes", classes


ONE_CLASS_PER_NUMBER = {  # labels -> the number of classes they are
    "2_and_2.0": (["2", "2.0"] * 4 + ["1"] * 4, 2),
    "2_and_2.00_and_+2": (["2", "2.00", "+2"] * 3 + ["0"] * 3, 2),
    "02_and_2": (["02", "2"] * 3 + ["1", "01"] * 3, 2),
    "2e0_and_2": (["2e0", "2"] * 3 + ["1.0", "1"] * 3, 2),
    "-0_and_0": (["-0", "0", "0.0"] * 2 + ["1"] * 6, 2),
}


@pytest.mark.parametrize("form", ["csv", "lines"])
@pytest.mark.parametrize("variant", sorted(ONE_CLASS_PER_NUMBER))
def test_one_number_is_one_class(tmp_path, variant, form):
    labels, expected = ONE_CLASS_PER_NUMBER[variant]
    path = (_csv(tmp_path / "data.csv", labels) if form == "csv"
            else _lines(tmp_path / "data.txt", labels))
    kind, found = _classes(path)
    result = (OK, "") if kind == "classes" and len(found) == expected \
        else ("TRACEBACK" if kind == "TRACEBACK" else "WRONG", f"{kind}: {found}")
    _assert(result)


MIXED = {  # labels -> words the one error line must name
    "words_and_one_number": (["pos", "neg"] * 5 + ["1"], ["'1'"]),
    "numbers_and_one_word": (["0", "1"] * 5 + ["three"], ["'three'"]),
    "words_and_2.0": (["pos", "neg", "2.0"] * 3, ["'2.0'", "'neg'"]),
    "digit_group_underscore": (["1", "0"] * 4 + ["1_0"], ["'1_0'"]),
}


@pytest.mark.parametrize("variant", sorted(MIXED))
def test_numbers_mixed_with_words_are_refused_in_one_line(tmp_path, variant):
    labels, words = MIXED[variant]
    kind, found = _classes(_csv(tmp_path / "data.csv", labels))
    if kind == "refused":
        missing = [w for w in words if w not in found]
        result = (OK, "") if "numbers" in found and not missing and "\n" not in found \
            else ("WRONG", f"the line lacks {missing}: {found}")
    else:
        result = ("TRACEBACK" if kind == "TRACEBACK" else "WRONG", f"{kind}: {found}")
    _assert(result)


def test_a_test_file_writing_2_0_matches_a_training_file_writing_2(tmp_path):
    train = _csv(tmp_path / "train.csv", ["1", "2"] * 4)
    test = _csv(tmp_path / "test.csv", ["1.0", "2.0", "2"] * 2)
    try:
        _, classes = encode_file(read_text_file(train), train)
        y, _ = encode_file(read_text_file(test), test, class_names=classes)
        result = (OK, "") if sorted(set(y.tolist())) == [0, 1] else ("WRONG", f"{y}")
    except Exception as error:  # noqa: BLE001
        result = "TRACEBACK", repr(error)
    _assert(result)


def _assert(kind_detail):
    kind, detail = kind_detail
    assert kind == OK, f"{kind}: {detail}"
