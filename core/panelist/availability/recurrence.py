"""Recurring series as occurrences: `panelist.providers.ical.expand_events`, guarded and cached.

Expansion is that module's (recurring_ical_events underneath); this one adds
what availability needs around it:

- a guard: recurring_ical_events walks a rule from DTSTART, so FREQ=SECONDLY
  since 1990 never finishes. A series that would take more than
  `MAX_STEPS` steps to reach the window's end is left out with a message.
- isolation: one broken series is reported by name and the others still expand.
- `RecurrenceCache`: expansion costs ~0.1 ms per occurrence, the rest of a
  timeline ~1 µs per event; a cache held by the caller (one per session) makes
  rebuilding a timeline for the same or a nearby window cheap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from panelist.errors import ValidationError
from panelist.providers.events import CalendarEvent, EventTime

Series = tuple[CalendarEvent, ...]
"""A series master followed by its overridden occurrences."""

MAX_STEPS = 100_000
"""Rule steps from DTSTART to the window's end above which a series is not expanded."""

_STEP_MINUTES = {
    "SECONDLY": 1 / 60,
    "MINUTELY": 1,
    "HOURLY": 60,
    "DAILY": 1440,
    "WEEKLY": 10080,
    "MONTHLY": 43830,
    "YEARLY": 525960,
}
_FINER_PARTS = {"BYSECOND": "SECONDLY", "BYMINUTE": "MINUTELY", "BYHOUR": "HOURLY"}
_ORDER = list(_STEP_MINUTES)
# Cached occurrences are kept for at most this span; a wider request starts afresh.
_MAX_HORIZON = timedelta(days=400)


class SeriesSkipped(Exception):
    """A series that was not expanded; the message names it and says why."""


def describe(event: CalendarEvent) -> str:
    """How messages name an event: its title, which is what a recruiter recognises."""
    return f"event {event.summary!r}" if event.summary.strip() else "untitled event"


def expand_series(series: Series, start: datetime, end: datetime) -> list[CalendarEvent]:
    """The occurrences of one series overlapping about [start, end); `SeriesSkipped` if not."""
    master = series[0]
    _check(master, end)
    from panelist.providers import ical  # lazy: icalendar costs ~0.15 s to import

    try:
        return ical.expand_events(series, start, end)
    except Exception as exc:  # third-party data through third-party code: report, never crash
        raise SeriesSkipped(f"{describe(master)}: its recurrence cannot be read ({exc})") from None


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


def _check(master: CalendarEvent, end: datetime) -> None:
    """Reject what ical cannot read and what would take too long to walk."""
    from panelist.providers import ical

    try:
        ical.normalize_draft(master)
    except ValidationError as exc:
        raise SeriesSkipped(str(exc)) from None
    steps = _steps_to(master, end)
    if steps > MAX_STEPS:
        raise SeriesSkipped(
            f"{describe(master)}: repeats too often since {_first_day(master.start)} "
            f"(about {steps:,} repetitions before this window ends); left out"
        )


def _steps_to(master: CalendarEvent, end: datetime) -> int:
    """Roughly how many rule steps lie between DTSTART and `end` (COUNT caps them)."""
    parts = _rule_parts(master.rrule or "")
    frequency = parts.get("FREQ", "DAILY")
    if frequency not in _STEP_MINUTES:
        return 0
    interval = max(_int(parts.get("INTERVAL"), 1), 1)
    elapsed = (end - _as_utc(master.start)).total_seconds() / 60
    steps = max(elapsed, 0) / (_STEP_MINUTES[frequency] * interval)
    for part, unit in _FINER_PARTS.items():  # BYHOUR=0,…,23 on a DAILY rule multiplies steps
        if part in parts and _ORDER.index(unit) < _ORDER.index(frequency):
            steps *= len(parts[part].split(","))
    count = _int(parts.get("COUNT"), 0)
    return int(min(steps, count) if count else steps) + len(master.rdates)


def _rule_parts(rule: str) -> dict[str, str]:
    parts = {}
    for item in rule.removeprefix("RRULE:").split(";"):
        name, _, value = item.partition("=")
        parts[name.strip().upper()] = value.strip().upper()
    return parts


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _as_utc(value: EventTime) -> datetime:
    # Floating and all-day starts are read as UTC: a day's error does not matter here.
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _first_day(value: EventTime) -> date:
    return value.date() if isinstance(value, datetime) else value


def cached_or_fresh(
    cache: RecurrenceCache | None, series: Sequence[CalendarEvent], start: datetime, end: datetime
) -> list[CalendarEvent]:
    key = tuple(series)
    return cache.occurrences(key, start, end) if cache else expand_series(key, start, end)
