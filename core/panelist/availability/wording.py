"""Phrases a recruiter reads: days, day ranges, durations, zones and working hours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time

from panelist.models import WEEKDAYS, WorkingHours

Spans = tuple[tuple[time, time], ...]


def zone_label(name: str) -> str:
    """ "America/New_York" → "New York"; the city people say, not the IANA key."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def day_range_label(first: date, last: date) -> str:
    """ "Mon 7 Dec", "Mon 7–Wed 9 Dec" or "Mon 30 Nov–Wed 2 Dec"."""
    if first == last:
        return day_label(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%a} {first.day}–{day_label(last)}"
    return f"{day_label(first)}–{day_label(last)}"


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def duration_adjective(minutes: int) -> str:
    """ "60-minute", "2-hour", "90-minute": the form that goes before "interview"."""
    if minutes % 60 == 0 and minutes >= 120:
        return f"{minutes // 60}-hour"
    return f"{minutes}-minute"


def spans_label(spans: Spans) -> str:
    return ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in spans)


def week_label(hours: WorkingHours) -> str:
    """ "09:00–17:00" for a Mon–Fri week, else "Mon–Thu 08:30–17:30; Fri 09:00–12:00"."""
    groups: list[tuple[list[int], Spans]] = []
    for weekday, spans in enumerate(hours.days):
        if not spans:
            continue
        if groups and groups[-1][1] == spans and groups[-1][0][-1] == weekday - 1:
            groups[-1][0].append(weekday)
        else:
            groups.append(([weekday], spans))
    if not groups:
        return "no working hours"
    if len(groups) == 1 and groups[0][0] == [0, 1, 2, 3, 4]:
        return spans_label(groups[0][1])
    return "; ".join(f"{_weekdays_label(days)} {spans_label(spans)}" for days, spans in groups)


def _weekdays_label(days: Sequence[int]) -> str:
    first, last = WEEKDAYS[days[0]].capitalize(), WEEKDAYS[days[-1]].capitalize()
    return first if len(days) == 1 else f"{first}–{last}"


def names_label(names: Iterable[str]) -> str:
    """ "Ana", "Ana and Sam", "Ana, Sam and Bo"."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def group_days(days: Iterable[int], bridges: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Runs of consecutive day numbers, where a day in `bridges` (a weekend) may join two runs."""
    bridge = set(bridges)
    runs: list[tuple[int, int]] = []
    for day in sorted(set(days)):
        if runs and all(d in bridge for d in range(runs[-1][1] + 1, day)):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
