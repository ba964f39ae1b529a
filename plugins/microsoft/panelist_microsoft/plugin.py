"""Entry point of the built-in Microsoft 365 plugin (group ``panelist``, name ``microsoft``).

Importing this module must stay cheap: msgraph (~0.25 s) and azure-identity are imported by
the provider on first use, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from panelist import hookimpl
from panelist.providers import CalendarProvider, ConferenceProvider
from panelist_microsoft.provider import MicrosoftCalendarProvider
from panelist_microsoft.teams import TeamsProvider

if TYPE_CHECKING:
    import click


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(MicrosoftCalendarProvider)


@hookimpl
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    register(TeamsProvider)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from panelist_microsoft.connect import add_connect_command

    add_connect_command(cli)
