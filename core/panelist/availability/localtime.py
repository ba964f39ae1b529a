"""The time model: instants as whole UTC minutes, local times read through zoneinfo.

Instants are minutes since 1970-01-01 00:00 UTC ("epoch minutes"). A local
(wall-clock) time is written the same way but counted from local midnight of
1970-01-01 ("local minutes"), so a local day is `local_minutes // 1440`.

The DST rule, used everywhere a local time or span becomes instants (working
hours, floating and all-day events, absences, holidays, local days):

    A local span [start, end) covers every instant at which the local clock
    shows a time inside it, and a single local time resolves to the first
    instant at which the clock shows that time or later.

So in a spring-forward gap a time that does not exist (02:30 in Amsterdam on
29 March 2026) resolves to the moment the clock jumps (03:00 CEST), and a span
starting in the gap starts then; `resolve_local(..., strict=True)` rejects such
a time instead, for input typed by a person. In a fall-back overlap an
ambiguous time resolves to its first occurrence, and a span that contains the
repeated hour covers it twice, as the clock does. A 09:00–17:00 day is
therefore 8 hours on both transition days.
"""

from __future__ import annotations

import functools
import threading
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from panelist.availability.intervals import Pair
from panelist.errors import ValidationError
from panelist.timezones import get_zone, zone_or_none

MINUTES_PER_DAY = 1440
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MINUTE = timedelta(minutes=1)
# Wider than any UTC offset (-12h..+14h), to find every segment a local span can touch.
_OFFSET_MARGIN = 16 * 60
# Zones change offset at most a few times a year; sampling every 6 hours finds each change.
_SAMPLE = 6 * 60


def is_zone(name: str) -> bool:
    return bool(name) and zone_or_none(name) is not None


# --------------------------------------------------------------------------- instants


def minutes_floor(instant: datetime) -> int:
    """The epoch minute an aware datetime falls in."""
    return int(instant.timestamp() // 60)


def minutes_ceil(instant: datetime) -> int:
    """The first epoch minute at or after an aware datetime."""
    return -int(-instant.timestamp() // 60)


def to_datetime(minutes: int, zone: ZoneInfo | None = None) -> datetime:
    """An epoch minute as an aware datetime, in UTC or in `zone`."""
    instant = EPOCH + timedelta(minutes=minutes)
    return instant if zone is None else instant.astimezone(zone)


def local_minutes(value: datetime | date) -> int:
    """A naive wall-clock time (floored to the minute) or a date's midnight, in local minutes."""
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) - _NAIVE_EPOCH) // _MINUTE
    return day_number(value) * MINUTES_PER_DAY


def local_minutes_ceil(value: datetime) -> int:
    return -((_NAIVE_EPOCH - value.replace(tzinfo=None)) // _MINUTE)


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def date_of_day(number: int) -> date:
    return date.fromordinal(number + _EPOCH_ORDINAL)


def weekday_of_day(number: int) -> int:
    """Monday = 0, as `date.weekday()`; 1970-01-01 was a Thursday."""
    return (number + 3) % 7


def minute_of(clock: time) -> int:
    return clock.hour * 60 + clock.minute


# --------------------------------------------------------------------------- zone offsets


class ZoneOffsets:
    """A zone's UTC offsets as segments of constant offset, learnt one year at a time."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._years: dict[int, tuple[list[int], list[int]]] = {}
        self._lock = threading.Lock()

    def offset_at(self, minute: int) -> int:
        """The offset (local minus UTC, in minutes) at an epoch minute."""
        changes, offsets = self._year(_utc_year(minute))
        return offsets[bisect_right(changes, minute) - 1]

    def segments(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(from, to, offset) pieces of constant offset that together cover [start, end)."""
        pieces: list[tuple[int, int, int]] = []
        for year in range(_utc_year(start), _utc_year(max(start, end - 1)) + 1):
            changes, offsets = self._year(year)
            year_end = _year_start(year + 1)
            for i, change in enumerate(changes):
                lo = max(change, start)
                hi = min(changes[i + 1] if i + 1 < len(changes) else year_end, end)
                if lo >= hi:
                    continue
                if pieces and pieces[-1][2] == offsets[i] and pieces[-1][1] == lo:
                    pieces[-1] = (pieces[-1][0], hi, offsets[i])
                else:
                    pieces.append((lo, hi, offsets[i]))
        return pieces

    def local_span(self, local_start: int, local_end: int) -> list[Pair]:
        """The instants at which the local clock shows a time in [local_start, local_end)."""
        pairs: list[Pair] = []
        around = self.segments(local_start - _OFFSET_MARGIN, local_end + _OFFSET_MARGIN)
        for lo, hi, offset in around:
            first = max(lo, local_start - offset)
            last = min(hi, local_end - offset)
            if first < last:
                if pairs and pairs[-1][1] == first:
                    pairs[-1] = (pairs[-1][0], last)
                else:
                    pairs.append((first, last))
        return pairs

    def wall_spans(self, start: int, end: int) -> list[Pair]:
        """The local times the clock shows during the instants [start, end), one span per
        stretch of constant offset: the inverse of `local_span`. Over a fall-back overlap
        the spans overlap (the clock shows the repeated hour twice); over a spring-forward
        gap they leave it out (the clock never shows it)."""
        return [(lo + offset, hi + offset) for lo, hi, offset in self.segments(start, end)]

    def first_instant(self, local: int) -> int:
        """The first instant at which the local clock shows `local` or a later time."""
        for lo, hi, offset in self.segments(local - _OFFSET_MARGIN, local + _OFFSET_MARGIN):
            candidate = max(lo, local - offset)
            if candidate < hi:
                return candidate
        raise AssertionError("segments cover the margin around every local time")

    def local_day(self, minute: int) -> int:
        """The local day number of an epoch minute."""
        return (minute + self.offset_at(minute)) // MINUTES_PER_DAY

    def day_span(self, day: int) -> list[Pair]:
        """The instants of one local day."""
        return self.local_span(day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY)

    def _year(self, year: int) -> tuple[list[int], list[int]]:
        found = self._years.get(year)
        if found is None:
            with self._lock:
                found = self._years.setdefault(year, self._learn(year))
        return found

    def _learn(self, year: int) -> tuple[list[int], list[int]]:
        """Where the offset changes within a UTC year, found by sampling and bisecting."""
        start, end = _year_start(year), _year_start(year + 1)
        changes, offsets = [start], [self._offset(start)]
        sample = start
        while sample < end:
            following = min(sample + _SAMPLE, end)
            if self._offset(following) != offsets[-1] and following < end:
                change = self._first_change(sample, following, offsets[-1])
                changes.append(change)
                offsets.append(self._offset(change))
            sample = following
        return changes, offsets

    def _first_change(self, lo: int, hi: int, offset: int) -> int:
        while hi - lo > 1:  # offset(lo) == offset, offset(hi) != offset
            middle = (lo + hi) // 2
            if self._offset(middle) == offset:
                lo = middle
            else:
                hi = middle
        return hi

    def _offset(self, minute: int) -> int:
        delta = datetime.fromtimestamp(minute * 60, self.zone).utcoffset()
        assert delta is not None
        return int(delta.total_seconds() // 60)


def _utc_year(minute: int) -> int:
    return (EPOCH + timedelta(minutes=minute)).year


@functools.cache
def _year_start(year: int) -> int:
    return minutes_floor(datetime(year, 1, 1, tzinfo=UTC))


@functools.cache
def zone_offsets(name: str) -> ZoneOffsets:
    """The (shared, lazily learnt) offsets of a zone; `ValidationError` for an unknown one."""
    return ZoneOffsets(get_zone(name))


# --------------------------------------------------------------------------- local times


def resolve_local(local: datetime, zone_name: str, *, strict: bool = False) -> datetime:
    """A naive wall-clock time in `zone_name` as an aware UTC instant, by the module's rule.

    Ambiguous times (a fall-back overlap) give their first occurrence, or the second
    when `local.fold` is 1, as zoneinfo reads it: a wall time taken from an instant
    (`astimezone`) round-trips. A time in a spring-forward gap gives the moment the
    clocks jump, or, with `strict`, a `ValidationError` saying so: use that for times a
    person typed.
    """
    zone = get_zone(zone_name)
    naive = local.replace(tzinfo=None)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return aware.astimezone(UTC)
    offsets = zone_offsets(zone_name)
    jump = offsets.first_instant(local_minutes_ceil(naive))
    if strict:
        before = to_datetime(jump - 1, zone) + _MINUTE
        after = to_datetime(jump, zone)
        raise ValidationError(
            f"{naive:%H:%M} on {naive:%a} {naive.day} {naive:%b %Y} does not exist in "
            f"{zone_name}: the clocks go from {before:%H:%M} straight to {after:%H:%M}",
            field="start",
        )
    return to_datetime(jump)
