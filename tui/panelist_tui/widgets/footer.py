"""The footer of every screen: Textual's, with its keys in the screen's first frame."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's Footer draws no keys until the screen's bindings next change, which at
    start-up is three frames (~0.15 s) after the screen appears. The bindings are known
    when the footer mounts, so it starts ready; a later change (focus) updates it as
    Textual's does, but only when the keys it shows differ: Textual rebuilds every key
    on each focus move and screen switch, ~10 ms of CPU that fifty sessions share."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: Hashable = None
        # Textual 8's flag for "bindings known"; should it go, this is the stock footer.
        ready = getattr(Footer, "_bindings_ready", None)
        if ready is not None:
            self.set_reactive(ready, True)

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        yield from super().compose()

    async def recompose(self) -> None:
        if self._keys() != self._shown:
            await super().recompose()

    def _keys(self) -> Hashable:
        """What the footer draws from: the keys shown, their labels and whether enabled."""
        if not self.is_attached:
            return None
        return tuple(
            (b.key, b.action, b.description, b.group, enabled, tooltip)
            for (_, b, enabled, tooltip) in self.screen.active_bindings.values()
            if b.show or b.key == self.app.COMMAND_PALETTE_BINDING
        )
