"""toolkit.safe_text: each medium's escaping, one rule per test."""

from __future__ import annotations

import pytest

from toolkit.safe_text import (
    encodable,
    for_csv,
    for_html,
    for_markdown,
    for_terminal,
    one_line,
    short_repr,
)


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


# --- the exact output, character class by character class -------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("a\x1bb", "a\\x1bb"), ("\x00\x7f\x9b", "\\x00\\x7f\\x9b"),
    ("soft\u00adhyphen", "soft\\xadhyphen"),  # a format character below U+0100
    ("\u202eevil", "\\u202eevil"), ("zero\u200bwidth", "zero\\u200bwidth"),
    ("\ue000private", "\\ue000private"), ("\ud800lone", "\\ud800lone"),
    ("caf\u00e9 \u00ff \u0100 \u4e2d", "caf\u00e9 \u00ff \u0100 \u4e2d"),  # letters stay
])
def test_the_terminal_escapes_exactly_the_controls_and_format_characters(raw, shown):
    assert for_terminal(raw) == shown
    assert for_html(raw) == shown


def test_one_line_folds_whitespace_and_drops_controls():
    assert one_line("  a\x1b\n b\t\r c  ") == "a b c"
    assert one_line("caf\u00e9\u202e x\u200by\ue000z") == "caf\u00e9 x y z"
    assert one_line(12) == "12"


def test_markdown_keeps_quotes_and_escapes_html():
    assert for_markdown('say "hi", it\'s <b> & more') == \
        'say "hi", it\'s &lt;b&gt; &amp; more'
    assert for_markdown("a\u202eb\nc") == "a b c"
    assert for_markdown("no_reference and _edge_") == "no_reference and \\_edge\\_"


def test_html_escapes_markup_and_shows_controls():
    assert for_html('<a href="x">\x1b') == "&lt;a href=&quot;x&quot;&gt;\\x1b"


def test_a_csv_cell_has_no_live_control_and_a_leading_space_hides_no_formula():
    assert for_csv("a\x1bb\x00") == "a b "
    assert for_csv("caf\u00e9\u202e=1") == "caf\u00e9\\u202e=1"
    assert for_csv("  =1+1") == "'  =1+1"
    assert for_csv("X=1") == "X=1" and for_csv("x-1") == "x-1" and for_csv("") == ""
    assert for_csv(3.5) == "3.5"


def test_short_repr_is_one_safe_line_of_limited_width():
    assert short_repr("abc") == "'abc'"
    assert short_repr("a\nb\x1b") == "'a\\nb\\x1b'"
    long = short_repr("x" * 100, width=20)
    assert len(long) == 20 and long.endswith("...") and long.startswith("'xxx")
    assert short_repr("x" * 18, width=20) == "'" + "x" * 18 + "'"
    assert short_repr("x" * 19, width=20) == "'" + "x" * 16 + "..."
    assert len(short_repr("y" * 200)) == 60
    huge = short_repr(10 ** 5000)
    assert huge.startswith("<a whole number of about 5000 digits>")


def test_lone_surrogates_become_escapes_so_utf8_can_write_them():
    assert encodable("caf\u00e9\ud800x\udfff") == "caf\u00e9\\ud800x\\udfff"
    assert encodable("caf\u00e9") == "caf\u00e9" and encodable("abc") == "abc"
    assert encodable(7) == "7"
    # A byte a file name could not decode (kept as U+DC80..U+DCFF) is shown as that byte.
    assert one_line("a\udc80b \udcffc \udc7f") == "a\\x80b \\xffc \\udc7f"
    assert for_terminal("\udd00") == "\\udd00"
    assert one_line("\ud800 \udfff") == "\\ud800 \\udfff"  # the range's two ends


def test_short_repr_shows_a_newline_in_a_repr_as_an_escape():
    class Shown:
        def __repr__(self):
            return "line one\nline two\x1b"

    assert short_repr(Shown()) == "line one\\nline two\\x1b"
