"""Entry point of the built-in Zoom plugin (group ``panelist``, name ``zoom``).

Importing this module must stay cheap: zoomus (and requests) are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from panelist import hookimpl
from panelist.providers import ConferenceProvider
from panelist_zoom.provider import ZoomProvider

if TYPE_CHECKING:
    import click


@hookimpl
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    register(ZoomProvider)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from panelist_zoom.connect import add_connect_command

    add_connect_command(cli)
