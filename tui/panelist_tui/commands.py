"""The command palette (ctrl+p): open an application, filter the list, help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from panelist.errors import PanelistError
from panelist.models import Stage
from panelist.services.applications import list_applications, list_jobs

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp


SETTINGS_SECTIONS = (
    "Company",
    "Interview types",
    "Evaluation forms",
    "Reminders",
    "Rooms",
    "People",
    "Video accounts",
    "Roles and rights",
    "Job teams",
    "Integrations",
)
"""The Settings screen's sections, named here so the palette does not import the screen."""


@dataclass(frozen=True)
class Command:
    text: str
    run: Callable[[], object]
    help: str
    discoverable: bool = False
    """Listed when the palette opens, before anything is typed."""


class PanelistCommands(Provider):
    """Commands over what the user may see, gathered once each time the palette opens."""

    async def startup(self) -> None:
        app: PanelistApp = self.app  # type: ignore[assignment]
        self._commands: list[Command] = [
            Command("Help", app.action_help, "Every key, screen by screen", True),
            Command("Search applications", app.action_search, "Type to filter the list", True),
            Command("Clear filters", app.filter_applications, "Show every application", True),
        ]
        if app.may_configure:
            self._commands.append(
                Command("Audit log", app.action_audit, "Who did what and when (Admins)", True)
            )
            self._commands.append(
                Command(
                    "Settings: message templates",
                    app.action_message_templates,
                    "Templates per purpose and language, with a live preview (Admins)",
                    True,
                )
            )
            self._commands.append(
                Command("Settings", app.action_settings, "Configure the company (Admins)", True)
            )
            for section in SETTINGS_SECTIONS:
                self._commands.append(
                    Command(
                        f"Settings: {section}",
                        partial(app.action_settings, section),
                        f"Configure {section.lower()} (Admins)",
                    )
                )
        screen = self.screen
        if hasattr(screen, "action_send_link"):  # an application is open
            self._commands.append(
                Command(
                    "Send scheduling link",
                    screen.action_send_link,
                    "The candidate picks the time from a page (l)",
                    True,
                )
            )
        sep = f" {app.glyphs.separator} "
        for stage in Stage:
            self._commands.append(
                Command(
                    f"Filter by stage: {stage.label}",
                    partial(app.filter_applications, stage=stage),
                    f"Applications in stage {stage.label}",
                    True,
                )
            )
        try:
            jobs = list_jobs(app.workspace)
            applications = list_applications(app.workspace)
        except PanelistError as error:
            app.report_error(error)
            return
        for job_id, title in jobs:
            self._commands.append(
                Command(
                    f"Filter by job: {title}",
                    partial(app.filter_applications, job_id=job_id),
                    f"Applications for {title}",
                )
            )
        for application in applications:
            self._commands.append(
                Command(
                    f"Open application: {application.candidate_name}{sep}{application.job_title}",
                    partial(app.open_application, application.id),
                    f"{application.stage.label}{sep}{application.candidate_email}",
                )
            )

    async def discover(self) -> Hits:
        for command in self._commands:
            if command.discoverable:
                yield DiscoveryHit(command.text, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands:
            score = matcher.match(command.text)
            if score > 0:
                yield Hit(score, matcher.highlight(command.text), command.run, help=command.help)
