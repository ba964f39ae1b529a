"""The hooks a Panelist plugin can implement.

A plugin is a module (or object) named by an entry point in the group
``panelist``; it marks its implementations with ``panelist.hookimpl``::

    from panelist import hookimpl

    @hookimpl
    def register_calendar_providers(register):
        register(MyCalendarProvider)

Every collecting hook takes a ``register`` callback instead of returning a
value, so one plugin can contribute several items and Panelist knows which
plugin contributed what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from panelist.providers import CalendarProvider, ConferenceProvider
    from panelist.storage.migrations import MigrationSet

hookspec = pluggy.HookspecMarker("panelist")
hookimpl = pluggy.HookimplMarker("panelist")


@hookspec
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    """Register calendar provider classes.

    :param register: call it once per `panelist.providers.CalendarProvider`
        subclass. The class's ``id`` must be unique across all plugins; a plugin
        that registers an id another plugin already holds is rejected as a whole
        and shown as failed in ``panelist plugins``.
    """


@hookspec
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    """Register video-conference provider classes (`panelist.providers.ConferenceProvider`).

    :param register: as for `register_calendar_providers`; ids share one namespace
        per kind (a calendar and a conference provider may both be called "google").
    """


@hookspec
def register_migrations(register: Callable[[MigrationSet], None]) -> None:
    """Register the plugin's database migrations.

    :param register: call it with a `panelist.storage.migrations.MigrationSet`
        whose ``scope`` is the plugin's own name. Migrations of each scope run
        in order, once, at start-up, each in its own transaction. Plugin tables
        should carry the plugin's name as a prefix (``local_events``).
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``panelist`` command line.

    :param cli: the top-level click group; use ``@cli.command()`` on it.
    """
