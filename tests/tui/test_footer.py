"""Every screen's footer has its keys in the screen's first frame (the launch figure of
bench/tui.py counts on it)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, Input
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


class TwoBoxes(App[None]):
    """Two inputs with the same keys and a button with one more: focus moves between them."""

    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]

    def __init__(self, footer: type[Footer]) -> None:
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield Input(id="one")
        yield Input(id="two")
        yield Extra(id="extra")
        yield self.footer()


class Extra(Input):
    BINDINGS: ClassVar[list[BindingType]] = [("ctrl+e", "noop", "Extra")]

    def action_noop(self) -> None:
        pass


@pytest.mark.parametrize(("footer", "rebuilt"), [(KeysFooter, 0), (Footer, 1)])
async def test_a_focus_move_that_keeps_the_keys_does_not_rebuild_the_footer(
    footer: type[Footer], rebuilt: int
) -> None:
    """Textual's footer (the second case) rebuilds every key on each focus move; fifty
    sessions on one host pay for that in every keystroke that moves the focus."""
    app = TwoBoxes(footer)
    async with app.run_test() as pilot:
        app.query_one("#one").focus()
        await pilot.pause()
        keys = app.query(FooterKey).first()
        app.query_one("#two").focus()  # the same keys
        await pilot.pause()
        assert (app.query(FooterKey).first() is not keys) == bool(rebuilt)
        app.query_one("#extra").focus()  # one more key: shown in either footer
        await pilot.pause()
        assert "ctrl+e" in [k.key for k in app.query(FooterKey)]
        app.query_one("#one").focus()
        await pilot.pause()
        assert "ctrl+e" not in [k.key for k in app.query(FooterKey)]
