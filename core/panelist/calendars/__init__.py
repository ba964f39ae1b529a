"""The calendar cache and its sync: every provider's calendars, copied into the database.

Readers (grid, slot finder) read `CalendarCache.events`; `SyncService` keeps the
copy fresh through each provider's `sync(calendar_id, cursor)`. Writes and the
commit-time re-check still go to the providers live.
"""

from panelist.calendars.cache import ApplyReport, CalendarCache, CalendarKey, SyncState
from panelist.calendars.sync import (
    DEFAULT_FRESHNESS_SECONDS,
    FRESHNESS_SETTING,
    MappedCalendar,
    SyncReport,
    SyncService,
    freshness,
    mapped_calendars,
)

__all__ = [
    "DEFAULT_FRESHNESS_SECONDS",
    "FRESHNESS_SETTING",
    "ApplyReport",
    "CalendarCache",
    "CalendarKey",
    "MappedCalendar",
    "SyncReport",
    "SyncService",
    "SyncState",
    "freshness",
    "mapped_calendars",
]
