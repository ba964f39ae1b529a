"""The example plugin's entry point (group ``panelist``, name ``example``)."""

from __future__ import annotations

from collections.abc import Callable

from panelist import hookimpl
from panelist.providers import CalendarProvider
from panelist_example.provider import ExampleCalendarProvider


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(ExampleCalendarProvider)
