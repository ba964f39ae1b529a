"""A calendar grid on its own, fed a hand-made week: for DST days and their pictures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from textual.app import App, ComposeResult

from panelist.availability import Timeline
from panelist.availability.localtime import minutes_floor
from panelist.models import Employee, WorkingHours
from panelist.services.calendar_view import CalendarPerson, CalendarView, GridEvent
from panelist_tui.glyphs import UNICODE
from panelist_tui.widgets.calendar_grid import CalendarGrid

AMS = ZoneInfo("Europe/Amsterdam")
ANA = "ana@example.com"
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def week_of(day: date, events: Sequence[tuple[datetime, datetime, str]] = ()) -> CalendarView:
    """Ana's week around `day` with `events`; nothing else (free spans come separately)."""
    start = datetime.combine(day - timedelta(days=day.weekday()), time(), AMS)
    end = start + timedelta(weeks=1)
    ana = Employee(1, ANA, "Ana", "Europe/Amsterdam", WorkingHours.office())
    timeline = Timeline(ANA, "Ana", "Europe/Amsterdam", minutes_floor(start), minutes_floor(end))
    shown = tuple(GridEvent(ANA, a, b, title) for a, b, title in events)
    person = CalendarPerson(ana, ANA, timeline, shown, integrated=True)
    return CalendarView(start, end, "Europe/Amsterdam", "Europe/Amsterdam", (person,), ())


class GridApp(App[None]):
    """Only the grid, in Amsterdam, its cursor at `start` (the clock at `NOW`)."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        yield CalendarGrid("Europe/Amsterdam", NOW, HOUR, UNICODE, start=self.start)
