"""The footer of every screen: Textual's, with its keys in the screen's first frame."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's Footer draws no keys until the screen's bindings next change, which at
    start-up is three frames (~0.15 s) after the screen appears. The bindings are known
    when the footer mounts, so it starts ready; a later change (focus) updates it as
    Textual's does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Textual 8's flag for "bindings known"; should it go, this is the stock footer.
        ready = getattr(Footer, "_bindings_ready", None)
        if ready is not None:
            self.set_reactive(ready, True)
