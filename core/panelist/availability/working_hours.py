"""Working hours, written as local spans per weekday, as the UTC minutes they cover.

The DST rule is the one of `panelist.availability.localtime`: a person works at
every instant at which their own clock shows a time inside one of that
weekday's spans. A 09:00–17:00 day is 8 hours on both transition days; a span
starting in a spring-forward gap starts when the clocks jump; a span over a
fall-back overlap includes the repeated hour twice.
"""

from __future__ import annotations

import functools

from panelist.availability.intervals import IntervalSet, Pair
from panelist.availability.localtime import (
    MINUTES_PER_DAY,
    minute_of,
    weekday_of_day,
    zone_offsets,
)
from panelist.models import WorkingHours


@functools.lru_cache(maxsize=512)
def working_intervals(hours: WorkingHours, zone_name: str, start: int, end: int) -> IntervalSet:
    """The epoch minutes in [start, end) at which the person works."""
    offsets = zone_offsets(zone_name)
    # One day of margin each side: a fall-back overlap at midnight makes local days overlap.
    first_day = offsets.local_day(start) - 1
    last_day = offsets.local_day(max(start, end - 1)) + 1
    pairs: list[Pair] = []
    for day in range(first_day, last_day + 1):
        midnight = day * MINUTES_PER_DAY
        for span_start, span_end in hours.days[weekday_of_day(day)]:
            pairs.extend(
                offsets.local_span(midnight + minute_of(span_start), midnight + minute_of(span_end))
            )
    return IntervalSet.of(pairs).clip(start, end)
