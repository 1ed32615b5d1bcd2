"""toolkit.safe_text: each medium's escaping, one rule per test."""

from __future__ import annotations

import pytest

from toolkit.safe_text import for_csv, for_markdown, for_terminal


@pytest.mark.parametrize("control", ["\r", "\x1b", "\x07", "\x08", "\x9b", "\u202e", "\u200b"])
def test_the_terminal_sees_controls_as_escapes(control):
    shown = for_terminal(f"a{control}b")
    assert control not in shown and shown.startswith("a\\") and shown.endswith("b")


def test_newlines_are_kept_or_shown_for_one_line_output():
    assert for_terminal("a\nb") == "a\nb"
    assert for_terminal("a\nb\tc", keep_newlines=False) == "a\\nb\\tc"


@pytest.mark.parametrize("markup", ["|", "[", "]", "`", "*", "#", "!", "~", "\\"])
def test_markdown_markup_characters_are_escaped(markup):
    assert for_markdown(f"a {markup} b") == f"a \\{markup} b"


def test_markdown_cannot_carry_html_or_a_link():
    shown = for_markdown("<script>x</script> [click](http://evil)")
    assert "<script>" not in shown and "](" not in shown.replace("\\]", "")


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\uff1dHYPERLINK()"])
def test_a_csv_cell_never_starts_a_formula(cell):
    assert for_csv(cell).startswith("'")


@pytest.mark.parametrize("number", ["-2", "-0.5", "+3", "1e-3"])
def test_a_signed_number_stays_a_number(number):
    assert for_csv(number) == number
