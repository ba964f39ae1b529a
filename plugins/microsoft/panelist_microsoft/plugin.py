"""Entry point of the built-in Microsoft 365 plugin (group ``panelist``, name ``microsoft``).

Importing this module must stay cheap: msgraph (~0.25 s) and azure-identity are imported by
the provider on first use, never here.
"""

from __future__ import annotations

from collections.abc import Callable

from panelist import hookimpl
from panelist.providers import CalendarProvider
from panelist_microsoft.provider import MicrosoftCalendarProvider


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(MicrosoftCalendarProvider)
