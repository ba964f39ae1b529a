"""Recruiting → Applications: search, filter by job and stage, open one with Enter; beside
the list, the Status pane with the user's upcoming interviews and notices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from panelist.errors import PanelistError
from panelist.models import ApplicationSummary, Stage
from panelist.services.applications import ApplicationFilter, list_applications, list_jobs
from panelist_tui.widgets.application_table import ApplicationTable
from panelist_tui.widgets.footer import KeysFooter
from panelist_tui.widgets.status_pane import StatusPane

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

WIDE = 120
"""From this many columns on, the Status pane shows by itself (u toggles it at any width)."""


class ApplicationsScreen(Screen[None]):
    """The list of applications the user may see; the app's first screen."""

    app: PanelistApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", tooltip="Search by name, email or job"),
        Binding("s", "cycle_stage(1)", "Stage", tooltip="Next stage filter"),
        Binding("S", "cycle_stage(-1)", "Previous stage", show=False),
        Binding("j", "cycle_job(1)", "Job", tooltip="Next job filter"),
        Binding("J", "cycle_job(-1)", "Previous job", show=False),
        Binding("u", "toggle_status", "Upcoming", tooltip="Your interviews and notices: show/hide"),
        Binding("c", "clear_filters", "Clear", tooltip="Clear the search and the filters"),
        Binding("escape", "clear_filters", "Clear filters", show=False),
        Binding("down", "focus_table", "From the search box to the list", show=False),
        Binding("f5,ctrl+r", "reload", "Refresh", show=False, tooltip="Read the list again"),
        Binding("a", "add_application", "Add", show=False, tooltip="Type in a new application"),
        Binding("A", "audit", "Audit log", tooltip="Who did what and when (Admins)"),
        Binding(
            "T",
            "message_templates",
            "Templates",
            show=False,
            tooltip="Settings: message templates (Admins)",
        ),
        Binding("C", "settings", "Settings", tooltip="Configure the company (Admins)"),
    ]
    ADMIN_ACTIONS: ClassVar[frozenset[str]] = frozenset({"audit", "message_templates", "settings"})
    """Shown in the footer and F1 only to a user who may configure."""

    def __init__(self) -> None:
        super().__init__(id="applications-screen")
        self._jobs: list[tuple[int, str]] = []
        self._status_wanted: bool | None = None
        """The user's choice with u; None follows the width."""

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        with Horizontal(id="filters"):
            yield Input(placeholder="Search name, email or job", id="search")
            yield Select[int]([], prompt="All jobs", id="job-filter")
            yield Select[Stage](
                [(stage.label, stage) for stage in Stage], prompt="All stages", id="stage-filter"
            )
        with Horizontal(id="home-body"):
            yield ApplicationTable(self.app.glyphs, id="applications")
            yield StatusPane(id="status-pane")
        yield Static(id="summary")
        yield KeysFooter()

    def _fit_width(self, width: int) -> None:
        """The pane by the width (or the user's choice), the footer compact when narrow.

        Set on the widgets, not as a screen class, and only when it changes: restyling
        the whole screen on the first resize cost the first frame ~30 ms.
        """
        shown = self._status_wanted if self._status_wanted is not None else width >= WIDE
        pane, footer = self.status_pane, self.query_one(Footer)
        if pane.display != shown:
            pane.display = shown
        if footer.compact != (width < WIDE):
            # Narrower than that, every key fits in the footer only without the padding.
            footer.compact = width < WIDE

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.ADMIN_ACTIONS:
            return self.app.may_configure
        return True

    # ----------------------------------------------------------------- widgets

    @property
    def table(self) -> ApplicationTable:
        return self.query_one(ApplicationTable)

    @property
    def status_pane(self) -> StatusPane:
        return self.query_one(StatusPane)

    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    @property
    def job_select(self) -> Select[int]:
        return self.query_one("#job-filter", Select)

    @property
    def stage_select(self) -> Select[Stage]:
        return self.query_one("#stage-filter", Select)

    # ----------------------------------------------------------------- state

    @property
    def current_filter(self) -> ApplicationFilter:
        job = self.job_select.value
        stage = self.stage_select.value
        return ApplicationFilter(
            search=self.search_input.value,
            job_id=job if isinstance(job, int) else None,
            stage=stage if isinstance(stage, Stage) else None,
        )

    @property
    def applications(self) -> list[ApplicationSummary]:
        """The applications the table shows now, in its order."""
        return self.table.applications

    def on_mount(self) -> None:
        width = self.app.size.width
        self._fit_width(width)
        pane_width = self.status_pane.styles.width  # from app.tcss, in cells
        beside = pane_width.cells if self.status_pane.display and pane_width else None
        self.table.expected_width = width - (beside or 0)
        self._load_jobs()
        self.table.focus()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_width(event.size.width)

    def on_screen_resume(self) -> None:
        # The first time right after mounting; later back from an application (or the
        # palette), as counts may have changed meanwhile.
        self.reload()
        self.status_pane.reload()

    def _load_jobs(self) -> None:
        try:
            jobs = list_jobs(self.app.workspace)
        except PanelistError as error:
            self.app.report_error(error)
            return
        if jobs != self._jobs:
            self._jobs = jobs
            selected = self.job_select.value
            self.job_select.set_options([(title, job_id) for job_id, title in jobs])
            if isinstance(selected, int) and any(job_id == selected for job_id, _ in jobs):
                self.job_select.value = selected

    def reload(self) -> None:
        """Ask core for the applications matching the filters and show them."""
        query = self.current_filter
        try:
            applications = list_applications(self.app.workspace, query)
        except PanelistError as error:
            self.app.report_error(error)
            return
        self.table.show(applications)
        self._show_summary(query, len(applications))

    def _show_summary(self, query: ApplicationFilter, count: int) -> None:
        sep = f" {self.app.glyphs.separator} "
        parts = []
        if query.search.strip():
            parts.append(f'search "{query.search.strip()}"')
        if query.job_id is not None:
            parts.append(f"job {dict(self._jobs).get(query.job_id, query.job_id)}")
        if query.stage is not None:
            parts.append(f"stage {query.stage.label}")
        noun = "application" if count == 1 else "applications"
        text = f"{count} {noun}"
        if parts:
            text += f"{sep}{', '.join(parts)}"
        summary = self.query_one("#summary", Static)
        if count == 0 and parts:
            text = f"No applications match{sep}{', '.join(parts)}{sep}press c to clear"
        elif count == 0:
            text = "No applications yet: a types one in"
            if self.app.may_configure:
                text += f"{sep}C opens Settings (jobs, people, rooms, calendars)"
        summary.set_class(count == 0, "-empty")
        summary.update(text)

    # ----------------------------------------------------------------- filters

    def set_stage(self, stage: Stage | None) -> None:
        self.stage_select.value = Select.NULL if stage is None else stage

    def set_job(self, job_id: int | None) -> None:
        self.job_select.value = Select.NULL if job_id is None else job_id

    def set_search(self, text: str) -> None:
        self.search_input.value = text

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _filters_changed(self, _event: Any) -> None:
        self.reload()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.action_focus_table()

    # Focus moves at once (Widget.focus waits for the next idle): keys typed ahead, as over a
    # slow SSH link, must reach the widget the key before them chose.
    def action_focus_search(self) -> None:
        self.set_focus(self.search_input)

    def action_focus_table(self) -> None:
        self.set_focus(self.table)

    def action_cycle_stage(self, step: int) -> None:
        choices: list[Stage | None] = [None, *Stage]
        value = self.stage_select.value
        current = value if isinstance(value, Stage) else None
        self.set_stage(choices[(choices.index(current) + step) % len(choices)])

    def action_cycle_job(self, step: int) -> None:
        choices: list[int | None] = [None, *(job_id for job_id, _ in self._jobs)]
        value = self.job_select.value
        current = value if isinstance(value, int) and value in choices else None
        self.set_job(choices[(choices.index(current) + step) % len(choices)])

    def action_clear_filters(self) -> None:
        query = self.current_filter
        if query == ApplicationFilter():
            return
        with self.prevent(Input.Changed, Select.Changed):
            self.search_input.value = ""
            self.job_select.value = Select.NULL
            self.stage_select.value = Select.NULL
        self.reload()

    def action_reload(self) -> None:
        self._load_jobs()
        self.reload()
        self.status_pane.reload()

    def action_add_application(self) -> None:
        self.app.action_add_application()

    def action_audit(self) -> None:
        self.app.action_audit()

    def action_settings(self) -> None:
        self.app.action_settings()

    def action_message_templates(self) -> None:
        self.app.action_message_templates()

    def action_toggle_status(self) -> None:
        """Show or hide the Status pane, whatever the width, until toggled again."""
        pane = self.status_pane
        self._status_wanted = not pane.display
        self._fit_width(self.size.width)
        if not pane.display and pane.has_focus_within:
            self.table.focus()

    # ----------------------------------------------------------------- opening

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.open_application(int(event.row_key.value))
