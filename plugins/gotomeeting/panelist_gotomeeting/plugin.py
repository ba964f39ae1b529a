"""Entry point of the built-in GoTo Meeting plugin (group ``panelist``, name ``gotomeeting``).

Importing this module stays cheap: httpx is imported on the first call to GoTo."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from panelist import hookimpl
from panelist.providers import ConferenceProvider
from panelist_gotomeeting.provider import GoToMeetingProvider

if TYPE_CHECKING:
    import click


@hookimpl
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    register(GoToMeetingProvider)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from panelist_gotomeeting.connect import add_connect_command

    add_connect_command(cli)
