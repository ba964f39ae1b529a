"""`panelist.text`: what plain single-line text is, and how any text is printed safely."""

import pytest

from panelist.errors import ValidationError
from panelist.text import plain_text_problem, printable, require_plain


@pytest.mark.parametrize(
    "text", ["Zoë Łukaszewska", "李雷", "محمد\u200f", "O'Neil-Smith (née Doe)", "Is 2+2=? Yes."]
)
def test_names_of_every_script_are_plain(text: str) -> None:
    assert plain_text_problem(text) is None
    assert require_plain(text, "name") == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Ana\r\nBcc: x", "must be on one line (it holds the line break U+000D)"),
        ("Ana\u2028Bcc: x", "must be on one line (it holds the line break U+2028)"),
        ("Ana\x85Bcc: x", "must be on one line (it holds the line break U+0085)"),
        ("Ana\x1b]0;pwned\x07", "must not hold the control character U+001B"),
        ("Ana\x9b2J", "must not hold the control character U+009B"),
        ("Ana\x7f", "must not hold the control character U+007F"),
        ("Ana\u202eavliS", "must not hold the control character U+202E"),
        (
            "=?utf-8?q?Ana=0D=0ABcc:_x@evil.example?=",
            "must not hold MIME encoded-word syntax (=?…?=); write the text itself",
        ),
    ],
)
def test_line_breaks_controls_and_encoded_words_are_named(text: str, problem: str) -> None:
    assert plain_text_problem(text) == problem
    with pytest.raises(ValidationError) as refused:
        require_plain(text, "job title")
    assert str(refused.value) == f"job title {problem}"
    assert refused.value.field == "job title"


def test_printable_drops_controls_and_keeps_the_text() -> None:
    hostile = "Eve\x1b]0;pwned\x07\x1b]52;c;cHc=\x1b\\\x9b2J\u202eMallory\u2028\tx"
    assert printable(hostile) == "Eve]0;pwned]52;c;cHc=\\2JMallory  x"
    assert printable("one\r\ntwo\nthree\rfour") == "one  two three four"


def test_printable_multiline_keeps_newlines_only() -> None:
    assert printable("one\r\ntwo\x1b[2J\nthree\u2029four", multiline=True) == (
        "one\ntwo[2J\nthree four"
    )
