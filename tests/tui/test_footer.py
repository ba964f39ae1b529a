"""Every screen's footer has its keys in the screen's first frame (the launch figure of
bench/tui.py counts on it)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.widgets.footer import KeysFooter

pytestmark = pytest.mark.anyio


class OneKey(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]

    def __init__(self, footer: type[Footer]) -> None:
        super().__init__()
        self.footer = footer
        self.keys_at_mount: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.footer()

    def on_mount(self) -> None:
        self.keys_at_mount = [k.key for k in self.query(FooterKey)]


@pytest.mark.parametrize(("footer", "keys"), [(KeysFooter, ["q", "ctrl+p"]), (Footer, [])])
async def test_the_keys_are_there_when_the_footer_mounts(
    footer: type[Footer], keys: list[str]
) -> None:
    """Textual's own footer (the second case) waits for the bindings to change."""
    app = OneKey(footer)
    async with app.run_test():
        assert app.keys_at_mount == keys


async def test_the_screens_use_it(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, ApplicationsScreen)
        assert isinstance(home.query_one(Footer), KeysFooter)
        app.open_application(home.applications[0].id)
        await pilot.pause()
        assert isinstance(app.screen, ApplicationScreen)
        assert isinstance(app.screen.query_one(Footer), KeysFooter)
