"""Admin → Audit log: who did what and when, newest first; `/` filters the lines shown.

Core decides who may read it (`list_audit` refuses everyone but Admins); the screen
only shows what core returns, each cell as plain text (never markup).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from panelist.audit import AuditEntry
from panelist.errors import PanelistError
from panelist.services.audit import list_audit
from panelist_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

COLUMNS = ("When", "Who", "Action", "Subject", "Detail")


class AuditScreen(Screen[None]):
    """The audit log as a table; Escape goes back."""

    app: PanelistApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the applications"),
        Binding("slash", "focus_filter", "Filter", tooltip="Show only lines holding a text"),
        Binding("f5,ctrl+r", "reload", "Refresh", tooltip="Read the log again"),
        Binding("down", "focus_table", "From the filter to the table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="audit-screen")
        self._entries: list[AuditEntry] = []

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        yield Input(placeholder="Filter: who, action, subject or detail", id="audit-filter")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="audit-log")
        yield table
        yield Static(id="audit-summary")
        yield KeysFooter()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#audit-log", DataTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#audit-filter", Input)

    def on_mount(self) -> None:
        self.sub_title = "Audit log"
        self.table.add_columns(*COLUMNS)
        self.reload()
        self.table.focus()

    def reload(self) -> None:
        try:
            self._entries = list_audit(self.app.workspace)
        except PanelistError as error:
            self.app.report_error(error)
            self._entries = []
        self._show()

    def _show(self) -> None:
        wanted = self.filter_input.value.strip().casefold()
        rows = [self._cells(entry) for entry in self._entries]
        if wanted:
            rows = [row for row in rows if any(wanted in cell.casefold() for cell in row)]
        self.table.clear()
        for row in rows:
            self.table.add_row(*(Text(cell) for cell in row))
        summary = f"{len(rows)} of {len(self._entries)} lines" if wanted else None
        noun = "line" if len(rows) == 1 else "lines"
        self.query_one("#audit-summary", Static).update(summary or f"{len(rows)} {noun}")

    def _cells(self, entry: AuditEntry) -> tuple[str, ...]:
        zone = ZoneInfo(self.app.workspace.user.timezone)
        when = entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return (when, entry.who, entry.action, entry.subject, entry.detail)

    @on(Input.Changed, "#audit-filter")
    def _filter_changed(self) -> None:
        self._show()

    @on(Input.Submitted, "#audit-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def action_back(self) -> None:
        if self.filter_input.has_focus and self.filter_input.value:
            self.filter_input.value = ""
            return
        self.dismiss()

    def action_focus_filter(self) -> None:
        self.filter_input.focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_reload(self) -> None:
        self.reload()
