"""Core's rule for printable text (`panelist.text`), put where Textual and Rich clean text.

Textual's Content and Rich's Text drop a few control characters (BEL, BS, CR...) from
every string they are given, but not ESC: a candidate named ``Eve ESC]0;…ESC\\`` set
the terminal's title when the list drew, and OSC 52 wrote to the clipboard. Giving
their cleaning tables core's rule covers every label, table cell, option, title and
notification, those added later too. Widgets that draw raw Segments (the calendar
grid) call `panelist.text.printable` themselves.
"""

from __future__ import annotations

import rich.control
import textual.content

from panelist.text import display_translation


def install_printable_rule() -> None:
    """Make Textual and Rich remove what `panelist.text.printable` removes; safe to repeat."""
    table = display_translation(multiline=True)
    # Both clean with str.translate and a module-level table bound as a default argument:
    # widening the table in place widens every later call.
    textual.content._CONTROL_STRIP_TRANSLATE.update(table)  # type: ignore[arg-type]
    rich.control._CONTROL_STRIP_TRANSLATE.update(table)  # type: ignore[arg-type]
