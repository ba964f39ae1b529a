"""The Panelist terminal app. `run_tui(workspace)` is what the CLI calls.

Importing this module costs Textual and core only: no provider is imported or
created here (providers are created by core, on first use).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from panelist.errors import PanelistError
from panelist.models import Employee, Stage
from panelist.services.applications import get_application
from panelist.services.calendar_health import stale_calendars
from panelist.services.interviews import interviews_for_application
from panelist.services.session import current_profile
from panelist.workspace import FIRST_RUN, Workspace
from panelist_tui import startup_done
from panelist_tui.commands import PanelistCommands
from panelist_tui.glyphs import ascii_from_env, glyphs_for
from panelist_tui.printable import install_printable_rule
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.screens.help import HelpScreen

if TYPE_CHECKING:
    from panelist.scheduling import OnStep, SchedulingLinks, SchedulingService
    from panelist.scheduling.duties import HostDuties

THEME_ENV = "PANELIST_THEME"
ANSI_THEME = "ansi-dark"
"""Used when the terminal has only 16 colours: the terminal's own palette, nothing blended."""
SYSTEM_COMMANDS = frozenset({"Theme", "Quit", "Keys", "Maximize", "Minimize"})
"""Textual's own palette commands that Panelist offers: each acts on the screen only.
Not "Screenshot", which writes an SVG file on the host: over SSH as the service account.
A command a later Textual adds stays out until it is judged here."""


class PanelistApp(App[None]):
    """Recruiters schedule interviews here, by keyboard, at 80x24 or larger."""

    CSS_PATH = "app.tcss"
    TITLE = "Panelist"
    COMMANDS = App.COMMANDS | {PanelistCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", tooltip="These keys"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("q", "quit", "Quit", tooltip="Quit Panelist"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        ascii: bool | None = None,
        theme: str | None = None,
        duties_every: float | None = None,
    ) -> None:
        """`ascii=None` reads ``PANELIST_ASCII``; `theme=None` keeps Textual's default;
        `duties_every` seconds between background rounds (None: only when asked)."""
        install_printable_rule()
        super().__init__()
        self.duties_every = duties_every
        self.workspace = workspace
        self.ascii = ascii_from_env() if ascii is None else ascii
        self.glyphs = glyphs_for(self.ascii)
        self._wanted_theme = theme
        self._host_duties: HostDuties | None = None

    def get_default_screen(self) -> Screen[None]:
        if self.first_run:
            return Screen()  # behind the first run's form: nothing to show yet
        return ApplicationsScreen()

    @property
    def first_run(self) -> bool:
        """The app opened on a database with no employees: it asks for the first Admin."""
        system = self.workspace.system
        return system is not None and system.duty == FIRST_RUN

    # ----------------------------------------------------------------- the host

    # Over SSH this process is the service account's: nothing here may write its files,
    # start programs or stop it. Always so (no debug switch): a recruiter needs none of it.

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        return (c for c in super().get_system_commands(screen) if c.title in SYSTEM_COMMANDS)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Not offered: no key is bound to it, but an action string could name it."""

    def action_suspend_process(self) -> None:
        """Not offered: the app would stop itself, and a forced-command SSH session has no
        shell to resume it from."""

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Shown, not opened: a browser would start on the host, not at the recruiter."""
        self.notify(url, title="Link")

    def on_mount(self) -> None:
        if self._wanted_theme and self._wanted_theme in self.available_themes:
            self.theme = self._wanted_theme
        if self.first_run:
            from panelist_tui.screens.new_company import first_run_dialog

            self.push_screen(first_run_dialog(self.workspace), self._first_admin_made)
            return
        self._start()

    def _first_admin_made(self, admin: Employee | None) -> None:
        """The company has its first Admin: the app is theirs, and opens on Settings."""
        if admin is None:
            self.exit()
            return
        self.workspace = replace(self.workspace, actor=admin)
        self.call_later(self._open_for_admin)  # once the dialog's dismissal is done

    def _open_for_admin(self) -> None:
        self.push_screen(ApplicationsScreen())  # over the blank first-run screen
        self._start()
        self.call_after_refresh(self.action_settings)

    def _start(self) -> None:
        try:
            profile = current_profile(self.workspace)
        except PanelistError as error:
            self.report_error(error)
            return
        self.title = profile.company_name
        role = f" ({profile.role_name})" if profile.role_name else ""
        self.sub_title = f"{profile.name}{role}"
        for plugin in self.workspace.registry.failures:
            self.notify(f"Plugin {plugin.name} skipped: {plugin.error}", severity="warning")
        self.announce_stale_calendars()
        self.call_after_refresh(startup_done)
        if self.duties_every:
            # First round a moment after start-up, so the first frame does not wait for it.
            self.set_timer(min(3.0, self.duties_every), self.run_duties)
            self.set_interval(self.duties_every, self.run_duties)

    def on_unmount(self) -> None:
        if self._host_duties is not None:
            self._host_duties.release()  # the next open app (or a worker) takes the duties

    @property
    def host_duties(self) -> HostDuties:
        """Created on the first round: scheduling pulls in icalendar (~0.2 s at start-up)."""
        if self._host_duties is None:
            from panelist.scheduling.duties import HostDuties

            self._host_duties = HostDuties(self.workspace)
        return self._host_duties

    # ----------------------------------------------------------------- background

    def announce_stale_calendars(self) -> None:
        for stale in stale_calendars(self.workspace.db):
            self.notify(stale.describe(), title="Calendar out of date", severity="warning")

    @work(exclusive=True, group="duties")
    async def run_duties(self) -> None:
        """The host's duties round (close, read answers back, remind) when this app holds
        the database's lease, else nothing; then the user's notices, in every app.

        The round's counts and problems are the company's, not the user's: not shown."""
        from panelist.scheduling import list_notices, mark_notice_read

        try:
            await self.host_duties.run_round()
        except PanelistError as error:
            self.report_error(error)
            return
        for notice in reversed(list_notices(self.workspace)):
            self.notify(notice.message, title="Notice", timeout=15)
            mark_notice_read(self.workspace, notice.id)
        # Answers read back and notices just shown: the Status pane catches up.
        if self.applications_screen.is_mounted:
            self.applications_screen.status_pane.reload()

    # ----------------------------------------------------------------- errors

    def report_error(self, error: PanelistError) -> None:
        """Core's one-line message, as a notification; the app keeps running."""
        self.notify(str(error), severity="error", timeout=8)

    # ----------------------------------------------------------------- scheduling

    def scheduling_service(
        self, on_step: OnStep | None = None, *, mail: bool = True
    ) -> SchedulingService:
        """Core's scheduling service for the user, mailing through the company's transport
        (`mail=False`: for checks only, no transport is set up).

        Raises `PanelistError` (e.g. a broken mail setting); callers report it.
        """
        # Imported on first use: scheduling and mail pull in icalendar, ~0.2 s at start-up.
        from panelist.mail.transport import transport_from_settings
        from panelist.scheduling import SchedulingService

        transport = transport_from_settings(self.workspace.db) if mail else None
        return SchedulingService(self.workspace, transport, on_step=on_step)

    def scheduling_links(self, *, mail: bool = True) -> SchedulingLinks:
        """Core's scheduling links for the user (issue 18), mailing like `scheduling_service`."""
        from panelist.mail.transport import transport_from_settings
        from panelist.scheduling.links import SchedulingLinks

        transport = transport_from_settings(self.workspace.db) if mail else None
        return SchedulingLinks(self.workspace, transport)

    # ----------------------------------------------------------------- navigation

    @property
    def applications_screen(self) -> ApplicationsScreen:
        return next(s for s in self.screen_stack if isinstance(s, ApplicationsScreen))

    def open_application(self, application_id: int) -> None:
        """Read the application and its interviews from core, then show them."""
        try:
            application = get_application(self.workspace, application_id)
            interviews = interviews_for_application(self.workspace, application_id)
        except PanelistError as error:
            self.report_error(error)
            return
        self._back_to_applications()
        self.push_screen(ApplicationScreen(application, interviews))

    def filter_applications(self, *, stage: Stage | None = None, job_id: int | None = None) -> None:
        """Show the list filtered by stage and/or job (no argument: every application)."""
        self._back_to_applications()
        screen = self.applications_screen
        screen.set_search("")
        screen.set_stage(stage)
        screen.set_job(job_id)
        screen.table.focus()

    def _back_to_applications(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, ApplicationsScreen):
            self.pop_screen()

    # ----------------------------------------------------------------- actions

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    @cached_property
    def may_configure(self) -> bool:
        """Whether to offer the Admin views; core refuses them to others anyway."""
        try:
            return current_profile(self.workspace).may_configure
        except PanelistError:
            return False

    def action_audit(self) -> None:
        """The audit log (Admins): core's `list_audit` decides what it shows."""
        from panelist_tui.screens.audit import AuditScreen

        if not self.may_configure:
            return
        self._back_to_applications()
        self.push_screen(AuditScreen())

    def action_settings(self, section: str | None = None) -> None:
        """Settings (Admins): imported here, so the first frame does not pay for it; core
        refuses every change to others anyway."""
        if not self.may_configure:
            return
        from panelist_tui.screens.settings import SettingsScreen

        self._back_to_applications()
        self.push_screen(SettingsScreen(section))

    def action_message_templates(self) -> None:
        """Settings → Message templates (Admins): core's services.templates decides."""
        from panelist_tui.screens.templates import TemplatesScreen

        if not self.may_configure:
            return
        self._back_to_applications()
        self.push_screen(TemplatesScreen())

    def action_add_application(self) -> None:
        """A candidate typed in (to a job the user may add to), then opened."""
        from panelist_tui.screens.new_company import new_application_dialog

        try:
            dialog = new_application_dialog(self.workspace)
        except PanelistError as error:
            self.report_error(error)
            return
        self._back_to_applications()
        self.push_screen(dialog, self._application_added)

    def _application_added(self, application_id: int | None) -> None:
        if application_id is not None:
            self.applications_screen.action_reload()
            self.open_application(application_id)

    def action_search(self) -> None:
        self._back_to_applications()
        self.applications_screen.action_focus_search()


def terminal_theme() -> str | None:
    """``PANELIST_THEME`` if set; the terminal's own 16 colours when that is all it has."""
    wanted = os.environ.get(THEME_ENV, "").strip()
    if wanted:
        return wanted
    from rich.console import Console

    if Console().color_system in ("standard", "windows"):
        return ANSI_THEME
    return None


def run_tui(workspace: Workspace, *, ascii: bool | None = None) -> None:
    """Run the TUI on `workspace` until the user quits. `ascii=None`: ``PANELIST_ASCII``."""
    PanelistApp(workspace, ascii=ascii, theme=terminal_theme(), duties_every=60).run()
