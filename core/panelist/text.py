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


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` safe to print on a terminal: no C0/C1 control characters (ESC, BEL, CSI...),
    no bidirectional controls; line and paragraph separators and tabs become spaces.
    With `multiline`, a newline (LF) is kept and CR LF counts as one."""
    if multiline:
        lines = text.replace("\r\n", "\n").split("\n")
        return "\n".join(printable(line) for line in lines)
    return "".join(_shown(char) for char in text)


def _shown(char: str) -> str:
    if char in _LINE_BREAKS or char == "\t":
        return " "
    return "" if _is_control(char) else char


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"
