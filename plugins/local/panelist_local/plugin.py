"""Entry point of the built-in local calendar (group ``panelist``, name ``local``)."""

from __future__ import annotations

from collections.abc import Callable

from panelist import hookimpl
from panelist.providers import CalendarProvider
from panelist.storage.migrations import MigrationSet
from panelist_local.migrations import local_migrations
from panelist_local.provider import LocalCalendarProvider


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(LocalCalendarProvider)


@hookimpl
def register_migrations(register: Callable[[MigrationSet], None]) -> None:
    register(local_migrations)
