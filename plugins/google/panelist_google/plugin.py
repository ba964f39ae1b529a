"""Entry point of the built-in Google plugin (group ``panelist``, name ``google``).

Importing this module must stay cheap: googleapiclient (~0.15 s) and google-auth are
imported by the provider on first use, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from panelist import hookimpl
from panelist.providers import CalendarProvider, ConferenceProvider
from panelist_google.meet import GoogleMeetProvider
from panelist_google.provider import GoogleCalendarProvider

if TYPE_CHECKING:
    import click


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(GoogleCalendarProvider)


@hookimpl
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    register(GoogleMeetProvider)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from panelist_google.connect import add_connect_command

    add_connect_command(cli)
