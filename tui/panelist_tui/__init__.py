"""Panelist's terminal app (Textual).

Importing the package holds the garbage collector back until the app has drawn its first
frame (`startup_done`): start-up makes some 130,000 objects that live as long as the app
(modules, styles, widgets), and the collector's passes over them, a full one included,
cost the first frame ~60 ms (bench/tui.py). Only the threshold is raised, never switched
off, so a long `panelist import` still collects."""

from __future__ import annotations

import gc

_NORMAL_THRESHOLDS = gc.get_threshold()
gc.set_threshold(1_000_000, *_NORMAL_THRESHOLDS[1:])


def startup_done() -> None:
    """The first frame is drawn: what start-up made is kept out of the collector (a full
    collection no longer stalls a keystroke), and collections resume as normal."""
    gc.freeze()
    gc.set_threshold(*_NORMAL_THRESHOLDS)
