"""Plain single-line text: the rule for what is stored, and how any text is shown safely.

Names, job titles and subjects go into mail headers and onto terminals. A line
break there starts a new header (``Bcc:``); an encoded word (``=?utf-8?q?…=0A…?=``)
turns into one when an older ``email`` package decodes and folds it; an ESC starts a
terminal command (a new window title, the clipboard via OSC 52). So such text is
refused where it is stored (`plain_text_problem`, `require_plain`), and whatever still
comes from elsewhere (an older database, a remote calendar, an error message) passes
through `printable` before a terminal sees it.
"""

from __future__ import annotations

import re
import unicodedata

from panelist.errors import ValidationError

# Line breaks to Python's str.splitlines(): CR, LF, VT, FF, FS, GS, RS, NEL, LS, PS.
_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Embeddings, overrides and isolates reorder what is shown ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Unicode category Cc is exactly C0, DEL and C1.
_CONTROL_CODES = (*range(0x20), *range(0x7F, 0xA0), *map(ord, _BIDI_CONTROLS))
_ENCODED_WORD = re.compile(r"=\?.*?\?=", re.DOTALL)


def plain_text_problem(text: str) -> str | None:
    """Why `text` is not plain single-line text, or None when it is."""
    for char in text:
        if char in _LINE_BREAKS:
            return f"must be on one line (it holds the line break {_code(char)})"
        if _is_control(char):
            return f"must not hold the control character {_code(char)}"
    if _ENCODED_WORD.search(text):
        return "must not hold MIME encoded-word syntax (=?…?=); write the text itself"
    return None


def require_plain(text: str, field: str) -> str:
    """`text` unchanged when it is plain single-line text; `ValidationError` naming `field`."""
    problem = plain_text_problem(text)
    if problem is not None:
        raise ValidationError(f"{field} {problem}", field=field)
    return text


def email_address(value: str) -> str:
    """`value` as an email address the mailer accepts (lower case), else `ValueError` with
    the reason. Whether the domain takes mail is not checked."""
    # Imported here: email-validator costs the app's start-up ~15 ms, and only a form or an
    # import that is saved needs it.
    from email_validator import EmailNotValidError, validate_email

    try:
        address = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not an email address ({str(exc).rstrip('.')})") from None
    return address.normalized.lower()


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` safe to print on a terminal: no C0/C1 control characters (ESC, BEL, CSI...) and
    no bidirectional controls; line and paragraph separators and tabs become spaces. With
    `multiline`, a newline (LF) is kept (CR LF counts as one)."""
    return text.translate(_MULTILINE if multiline else _SINGLE_LINE)


def display_translation(*, multiline: bool = False) -> dict[int, str | None]:
    """The `str.translate` table `printable` uses, for renderers that clean text themselves."""
    return dict(_MULTILINE if multiline else _SINGLE_LINE)


def _translation(multiline: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {code: None for code in _CONTROL_CODES}
    table.update({ord(char): " " for char in _LINE_BREAKS | {"\t"}})
    if multiline:
        del table[ord("\n")]
        table[ord("\r")] = None
    return table


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


_SINGLE_LINE = _translation(multiline=False)
_MULTILINE = _translation(multiline=True)
