"""Time helpers for the demo: zones, ISO strings, and who is busy when while planning."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from panelist.models import WorkingHours
from panelist.timezones import get_zone


def iso(instant: datetime) -> str:
    """The storage format: UTC, whole seconds ("2026-11-26T09:00:00+00:00")."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat()


def at(day: date, clock_time: time, zone_name: str) -> datetime:
    """A wall-clock time on a day in a zone, as an aware datetime in that zone."""
    return datetime.combine(day, clock_time, tzinfo=get_zone(zone_name))


def hhmm(text: str) -> time:
    return time.fromisoformat(text)


def days(start: date, end: date) -> Iterator[date]:
    """Every day in [start, end)."""
    for offset in range((end - start).days):
        yield start + timedelta(days=offset)


def workdays(start: date, end: date) -> list[date]:
    return [d for d in days(start, end) if d.weekday() < 5]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def works(hours: WorkingHours, zone_name: str, start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside one span of someone's working hours."""
    local_start, local_end = (
        start.astimezone(get_zone(zone_name)),
        end.astimezone(get_zone(zone_name)),
    )
    if local_start.date() != local_end.date():
        return False
    spans = hours.days[local_start.weekday()]
    return any(s <= local_start.time() and local_end.time() <= e for s, e in spans)


def work_start(hours: WorkingHours) -> time:
    """When the person usually starts: the earliest start on any day."""
    return min(spans[0][0] for spans in hours.days if spans)


@dataclass(frozen=True)
class Window:
    """The stretch of calendar the demo fills: Monday of last week, six weeks on."""

    today: date
    now: datetime
    start: date
    end: date  # exclusive

    @classmethod
    def around(cls, now: datetime, company_zone: str, weeks: int = 6) -> Window:
        today = now.astimezone(get_zone(company_zone)).date()
        start = monday_of(today) - timedelta(days=7)
        return cls(today, now, start, start + timedelta(weeks=weeks))

    @property
    def this_monday(self) -> date:
        return self.start + timedelta(days=7)

    def week(self, index: int) -> date:
        """Monday of week `index`, counting last week as 0."""
        return self.start + timedelta(weeks=index)

    @property
    def weeks(self) -> int:
        return (self.end - self.start).days // 7


class BusyMap:
    """Booked intervals per person or room (a string key), indexed by UTC day for speed."""

    def __init__(self) -> None:
        self._by_day: dict[tuple[str, int], list[tuple[datetime, datetime]]] = {}

    @staticmethod
    def _day_numbers(start: datetime, end: datetime) -> range:
        first = start.astimezone(UTC).date().toordinal()
        last = (end.astimezone(UTC) - timedelta(microseconds=1)).date().toordinal()
        return range(first, last + 1)

    def book(self, keys: Iterable[str], start: datetime, end: datetime) -> None:
        for key in keys:
            for day in self._day_numbers(start, end):
                self._by_day.setdefault((key, day), []).append((start, end))

    def free(self, keys: Iterable[str], start: datetime, end: datetime) -> bool:
        numbers = self._day_numbers(start, end)
        for key in keys:
            for day in numbers:
                for s, e in self._by_day.get((key, day), ()):
                    if s < end and start < e:
                        return False
        return True

    def block_local_days(self, key: str, first: date, last: date, zone_name: str) -> None:
        """Whole local days [first, last] (absences, public holidays)."""
        self.book(
            [key], at(first, time(0), zone_name), at(last + timedelta(days=1), time(0), zone_name)
        )
