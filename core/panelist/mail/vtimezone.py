"""A VTIMEZONE with yearly RRULEs, the form Outlook expects (MS-OXCICAL §2.1.3.2.1).

icalendar's own VTIMEZONE lists every transition as RDATEs and puts a COMMENT on
the VTIMEZONE itself, where RFC 5545 does not allow one. Here the zone's rules of
the event's year, read from zoneinfo, become one STANDARD and one DAYLIGHT
observance with "nth (or last) weekday of the month" RRULEs, like Outlook and
Google write them; a zone without DST gets one STANDARD.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

# The year the observances start in, as Google writes them: every client expands from it.
_FIRST_YEAR = 1970
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HOUR = timedelta(hours=1)
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Transition:
    """The moment a zone's UTC offset changes, as wall-clock time before the change."""

    local: datetime  # naive, in `offset_from`
    offset_from: timedelta
    offset_to: timedelta
    name: str  # the abbreviation after the change, e.g. CEST
    daylight: bool

    @property
    def by_day(self) -> str:
        """The weekday and its occurrence in the month: 2SU, or -1SU for the last."""
        weekday = _WEEKDAYS[self.local.weekday()]
        days_in_month = calendar.monthrange(self.local.year, self.local.month)[1]
        if self.local.day + 7 > days_in_month:
            return f"-1{weekday}"
        return f"{(self.local.day - 1) // 7 + 1}{weekday}"


def transitions(zone: ZoneInfo, year: int) -> list[Transition]:
    """The offset changes of `zone` in `year`, found hour by hour and then to the minute."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = _offset(zone, moment)
    while moment < end:
        following = moment + _HOUR
        if _offset(zone, following) != offset:
            change = _first_minute_after(zone, moment, offset)
            found.append(_transition(zone, change, offset))
            offset = _offset(zone, change)
        moment = following
    return found


def _first_minute_after(zone: ZoneInfo, moment: datetime, offset: timedelta) -> datetime:
    while _offset(zone, moment) == offset:
        moment += _MINUTE
    return moment


def _transition(zone: ZoneInfo, change: datetime, offset_from: timedelta) -> Transition:
    after = change.astimezone(zone)
    return Transition(
        local=(change + offset_from).replace(tzinfo=None),
        offset_from=offset_from,
        offset_to=_offset(zone, change),
        name=after.tzname() or "",
        daylight=bool(after.dst()),
    )


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def vtimezone(zone: ZoneInfo, year: int) -> icalendar.Timezone:
    """The VTIMEZONE of `zone` with the rules it follows in `year`; its TZID is the zone's key."""
    component = icalendar.Timezone()
    component.add("tzid", zone.key)
    changes = transitions(zone, year)
    if len(changes) == 2:
        # The observance with the larger offset is summer time, also in the southern
        # hemisphere and in zones whose tzdata calls winter the "daylight" part (Dublin).
        summer = max(changes, key=lambda t: t.offset_to)
        for change in changes:
            component.add_component(_yearly(change, daylight=change is summer))
        return component
    # No DST (Asia/Kolkata, or America/Sao_Paulo since 2019): one STANDARD. Zones that
    # change once or more than twice a year (Ramadan in Morocco) get the offset of
    # 1 January, then each change of the year once.
    component.add_component(_fixed(zone, year))
    for change in changes:
        component.add_component(_yearly(change, daylight=change.daylight, count=1))
    return component


def _yearly(change: Transition, *, daylight: bool, count: int | None = None) -> icalendar.Component:
    observance = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
    rule: dict[str, object] = {"freq": "YEARLY", "bymonth": change.local.month}
    rule["byday"] = change.by_day
    start = change.local
    if count is None:
        start = _first_year_onset(change)
    else:
        rule["count"] = count
    observance.add("dtstart", start)
    observance.add("rrule", rule)
    observance.add("tzoffsetfrom", change.offset_from)
    observance.add("tzoffsetto", change.offset_to)
    if change.name:
        observance.add("tzname", change.name)
    return observance


def _first_year_onset(change: Transition) -> datetime:
    """The rule's day in 1970 at the change's time: DTSTART must be an occurrence of its RRULE."""
    year, month = _FIRST_YEAR, change.local.month
    by_day = change.by_day
    weekday = _WEEKDAYS.index(by_day[-2:])
    nth = int(by_day[:-2])
    days = [
        day
        for day in range(1, calendar.monthrange(year, month)[1] + 1)
        if calendar.weekday(year, month, day) == weekday
    ]
    return change.local.replace(year=year, day=days[nth - 1] if nth > 0 else days[nth])


def _fixed(zone: ZoneInfo, year: int) -> icalendar.Component:
    moment = datetime(year, 1, 1, tzinfo=UTC).astimezone(zone)
    offset = moment.utcoffset() or timedelta(0)
    observance = icalendar.TimezoneStandard()
    observance.add("dtstart", datetime(_FIRST_YEAR, 1, 1))
    observance.add("tzoffsetfrom", offset)
    observance.add("tzoffsetto", offset)
    name = moment.tzname()
    if name:
        observance.add("tzname", name)
    return observance
