"""Entry point of the built-in CalDAV provider (group ``panelist``, name ``caldav``).

Importing this module must stay cheap: the caldav library (and niquests under
it, ~0.3 s) is imported by the provider on first use, never here.
"""

from __future__ import annotations

from collections.abc import Callable

from panelist import hookimpl
from panelist.providers import CalendarProvider
from panelist.storage.migrations import MigrationSet
from panelist_caldav.migrations import caldav_migrations
from panelist_caldav.provider import CalDAVCalendarProvider


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(CalDAVCalendarProvider)


@hookimpl
def register_migrations(register: Callable[[MigrationSet], None]) -> None:
    register(caldav_migrations)
