"""toolkit.formats: the table layouts every report and console summary shares."""

from toolkit.formats import console_table, markdown_table


def test_console_table_aligns_numbers_right_and_text_left():
    table = console_table(["model", "params", "accuracy"],
                          [["vgg16", 138357544, "71.3%"], ["mobilenet_v2", "3,538,984", "70.1%"]],
                          cell=lambda value: f"{value:,}")
    header, first, second = table.splitlines()
    assert header == "model              params  accuracy"
    assert first == "vgg16         138,357,544     71.3%"
    assert second == "mobilenet_v2    3,538,984     70.1%"


def test_console_table_keeps_mixed_columns_left_aligned():
    table = console_table(["setting", "note"], [["a", "12"], ["bb", "text"]])
    assert table.splitlines()[1:] == ["a        12", "bb       text"]


def test_markdown_table_empty_and_rows():
    assert markdown_table(["a"], []) == "_none recorded_"
    assert markdown_table(["a", "b"], [[1, 2]]).splitlines()[-1] == "| 1 | 2 |"
