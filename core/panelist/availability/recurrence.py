"""Recurring series as occurrences: `panelist.providers.ical.expand_events`, isolated and cached.

Expansion and its guard are that module's (`ical.check_expandable` refuses a
series that would take more than `ical.MAX_STEPS` rule steps to walk); this one
adds what availability needs around them:

- isolation: a series ical refuses or cannot read becomes an `unreadable`
  placeholder (as `ical.expand_events` makes them) and the others still expand.
- `RecurrenceCache`: a cache held by the caller (one per session) makes
  rebuilding a timeline for the same or a nearby window cheap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta

from panelist.errors import ValidationError
from panelist.providers.events import CalendarEvent, describe, unreadable

Series = tuple[CalendarEvent, ...]
"""A series master followed by its overridden occurrences."""

# Cached occurrences are kept for at most this span; a wider request starts afresh.
_MAX_HORIZON = timedelta(days=400)


def expand_series(series: Series, start: datetime, end: datetime) -> list[CalendarEvent]:
    """The occurrences of one series overlapping about [start, end); a placeholder if unreadable."""
    master = series[0]
    from panelist.providers import ical  # lazy: icalendar costs ~0.15 s to import

    try:
        ical.normalize_draft(master)
    except ValidationError as exc:  # its times or rule cannot be read
        reason = str(exc).removeprefix(f"{describe(master)}: ")
        return [unreadable(master, reason), *series[1:]]
    return ical.expand_events(series, start, end)


class RecurrenceCache:
    """Occurrences per series version, reused while a request stays inside what was expanded.

    The key is the series itself (events are frozen and hashable; a changed event
    is a new key), so a stale entry is never returned, only evicted as least
    recently used.
    """

    def __init__(self, max_series: int = 20_000) -> None:
        self._max_series = max_series
        self._entries: OrderedDict[Series, tuple[datetime, datetime, list[CalendarEvent]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def occurrences(self, series: Series, start: datetime, end: datetime) -> list[CalendarEvent]:
        """Occurrences covering at least [start, end); callers clip to their window."""
        with self._lock:
            entry = self._entries.get(series)
            if entry is not None and entry[0] <= start and end <= entry[1]:
                self._entries.move_to_end(series)
                self.hits += 1
                return entry[2]
        self.misses += 1
        if entry is not None and max(end, entry[1]) - min(start, entry[0]) <= _MAX_HORIZON:
            start, end = min(start, entry[0]), max(end, entry[1])
        found = expand_series(series, start, end)
        with self._lock:
            self._entries[series] = (start, end, found)
            self._entries.move_to_end(series)
            while len(self._entries) > self._max_series:
                self._entries.popitem(last=False)
        return found


def cached_or_fresh(
    cache: RecurrenceCache | None, series: Sequence[CalendarEvent], start: datetime, end: datetime
) -> list[CalendarEvent]:
    key = tuple(series)
    return cache.occurrences(key, start, end) if cache else expand_series(key, start, end)
