"""The keys, screen by screen, read from the bindings themselves so they never drift."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

Row = tuple[str, str]


class HelpScreen(ModalScreen[None]):
    """F1 or ? opens it; Escape, F1, ? or q closes it."""

    app: PanelistApp

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog") as dialog:
            dialog.border_title = "Keys"
            dialog.border_subtitle = "Esc closes"
            with VerticalScroll(id="help-body"):
                yield Static(self._content(), id="help-keys")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss()

    def _key_rows(self, bindings: Iterable[BindingType], hidden: Collection[str] = ()) -> list[Row]:
        """(keys, description) per action, several keys of one action joined; the `hidden`
        actions left out (the Admin's, for others)."""
        by_action: dict[str, tuple[list[str], str]] = {}
        for item in bindings:
            if not isinstance(item, Binding):
                continue
            for binding in Binding.make_bindings([item]):
                if binding.action in hidden:
                    continue
                keys, _ = by_action.setdefault(
                    binding.action, ([], binding.tooltip or binding.description)
                )
                shown = self.app.get_key_display(binding)
                if shown not in keys:
                    keys.append(shown)
        return [(" ".join(keys), description) for keys, description in by_action.values()]

    def _content(self) -> Content:
        from panelist_tui.screens.application import ApplicationScreen
        from panelist_tui.screens.applications import ApplicationsScreen
        from panelist_tui.screens.composer import ComposerScreen
        from panelist_tui.screens.find_time import FindTimeScreen
        from panelist_tui.screens.interview_form import InterviewFormScreen
        from panelist_tui.screens.link_form import LinkFormScreen
        from panelist_tui.widgets.calendar_grid import CalendarGrid

        admin_only = () if self.app.may_configure else ApplicationsScreen.ADMIN_ACTIONS
        sections: list[tuple[str, list[Row]]] = [
            (
                "Everywhere",
                [
                    *self._key_rows(self.app.BINDINGS),
                    (self.app.get_key_display(Binding("ctrl+p", "")), "Commands (fuzzy search)"),
                    ("tab shift+tab", "Next / previous field"),
                ],
            ),
            (
                "Applications",
                [
                    ("up down pgup pgdn", "Move in the list"),
                    ("enter", "Open the application"),
                    *self._key_rows(ApplicationsScreen.BINDINGS, hidden=admin_only),
                ],
            ),
            (
                "Application",
                [
                    ("up down", "Previous / next interview"),
                    ("left right", "Switch tab (when the tabs have focus)"),
                    *self._key_rows(ApplicationScreen.BINDINGS),
                ],
            ),
            (
                "Interview form",
                [
                    ("tab shift+tab", "Next / previous field"),
                    ("type, down, enter", "Find a participant and add them"),
                    ("enter space", "Open a list / press the focused button"),
                    *self._key_rows(InterviewFormScreen.BINDINGS),
                ],
            ),
            (
                "Scheduling link (l)",
                [
                    ("type, down, enter", "Find a participant and add them"),
                    *self._key_rows(LinkFormScreen.BINDINGS),
                ],
            ),
            (
                "Find a time",
                [
                    *self._key_rows(CalendarGrid.BINDINGS),
                    *self._key_rows(FindTimeScreen.BINDINGS),
                ],
            ),
            (
                "Mail composer (m, M)",
                [
                    ("tab shift+tab", "Template, language, subject, text"),
                    *self._key_rows(ComposerScreen.BINDINGS),
                ],
            ),
        ]
        if self.app.may_configure:
            from panelist_tui.screens.settings import SettingsScreen

            sections.append(
                (
                    "Settings (Admins)",
                    [
                        ("up down enter", "Choose a section, then a line to edit"),
                        *self._key_rows(SettingsScreen.BINDINGS),
                    ],
                )
            )
        width = max(len(keys) for _, rows in sections for keys, _ in rows)
        parts: list[Content | str | tuple[str, str]] = []
        for title, rows in sections:
            if parts:
                parts.append("\n")
            parts.append((title, "bold $text-accent"))
            for keys, description in rows:
                parts.extend(["\n  ", (keys.ljust(width), "bold"), "  ", description])
        return Content.assemble(*parts)
