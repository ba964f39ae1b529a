"""The calendar grid (SPEC §3): week and day views drawn line by line (Textual's Line API).

The grid is the hot path over SSH, so it never repaints itself whole on a cursor
move: `render_line` draws one terminal line from precomputed cells, and a move
refreshes only the lines whose cursor marking changed (`refresh(Region)`), a
few hundred bytes per key instead of the whole screen.

Rows are time steps of the viewer's local day (30 minutes in the week view, 15
in the day view); columns are days (week view, each split into one lane per
calendar) or calendars (day view). What it shows comes from core
(`CalendarView`): events already filtered for privacy, absences as "Absent",
holidays, free spans.

Rows are wall-clock times, and on a DST change day they follow core's rule
(`panelist.availability.localtime`): a row stands for every instant at which the
clock shows its time, so the rows of a repeated hour hold both passes (free only
when both are), the rows the clocks jump over hold none (drawn as skipped, never
a start), and an event is drawn on the rows the clock shows while it lasts. The
cursor is an instant: it moves by real time, so it steps over a skipped hour and
through a repeated one twice, and a wall time picked on a row (mouse, day change)
resolves to an instant by `resolve_local`.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from panelist.availability import IntervalSet, resolve_local
from panelist.availability.localtime import (
    local_minutes,
    minutes_ceil,
    minutes_floor,
    to_datetime,
    zone_offsets,
)
from panelist.services.calendar_view import CalendarView, GridEvent
from panelist.text import printable
from panelist_tui.glyphs import Glyphs

LABEL_WIDTH = 6
TITLE_GAP = "  "
WEEK_STEP = timedelta(minutes=30)
DAY_STEP = timedelta(minutes=15)
FIRST_VISIBLE_HOUR = 8
MAX_LANE_ROWS = 2

# Backgrounds per calendar; chosen so that a 16-colour downgrade keeps them apart.
PALETTE = ("#1f4fa8", "#8a2f9e", "#0f7f8f", "#8f6f00", "#a83232", "#3f3fbf", "#7f4f1f", "#1f7f5f")
ABSENT_BG = "#5f5f5f"
FREE_BG = "#0f3f1f"
CURSOR = Style(bgcolor="#d7af00", color="black", bold=True)
HOLIDAY = Style(color="#ff5f5f", bold=True)
OPENED_HOLIDAY = Style(color="#5faf5f", italic=True)
TODAY = Style(reverse=True, bold=True)
NOW_LABEL = Style(color="#ff5f5f", bold=True)
DIM = Style(dim=True)


@dataclass(frozen=True)
class GridMarks:
    """Characters that have an ASCII fallback."""

    column: str
    now: str
    tentative: str
    today: str
    skipped: str
    """Fills a row the clocks skip (spring forward)."""

    @classmethod
    def of(cls, ascii_only: bool) -> GridMarks:
        if ascii_only:
            return cls(column="|", now=">", tentative=":", today="*", skipped="/")
        return cls(column="│", now="▶", tentative="░", today="•", skipped="╱")


class RowTime(enum.IntEnum):
    """What one row of one day holds."""

    BUSY = 0
    """Someone is busy or not working (or nothing is loaded)."""
    FREE = 1
    """Everyone (and a room) is free at every instant the row stands for."""
    SKIPPED = 2
    """The clocks jump over this time: no instant shows it."""


@dataclass(frozen=True)
class _Column:
    day: date
    lanes: tuple[str, ...]
    """Calendar keys drawn side by side in this column."""
    title: str


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


class CalendarGrid(Widget, can_focus=True):
    """Week/day calendar grid with a time cursor; Enter posts `TimeSelected`."""

    DEFAULT_CSS = """
    CalendarGrid {
        height: 1fr;
        width: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1, 0)", "Earlier", show=False),
        Binding("down,j", "move(1, 0)", "Later", show=False),
        Binding("left,h", "move(0, -1)", "Day before", show=False),
        Binding("right,l", "move(0, 1)", "Day after", show=False),
        Binding("shift+down,shift+right,J,L", "stretch(1)", "Longer", show=False),
        Binding("shift+up,shift+left,K,H", "stretch(-1)", "Shorter", show=False),
        Binding("left_square_bracket,pageup", "page(-1)", "Previous", show=False),
        Binding("right_square_bracket,pagedown", "page(1)", "Next", show=False),
        Binding("t", "today", "Today", show=False),
        Binding("v", "toggle_view", "Week/day", show=True),
        Binding("w", "view('week')", "Week view", show=False),
        Binding("d", "view('day')", "Day view", show=False),
        Binding("enter", "select", "Select time", show=True, priority=False),
    ]

    class TimeSelected(Message):
        """Enter on the grid: the span under the cursor (UTC instants)."""

        def __init__(self, start: datetime, end: datetime) -> None:
            super().__init__()
            self.start = start
            self.end = end

    class SpanChanged(Message):
        """The cursor moved, or its span changed."""

        def __init__(self, start: datetime, end: datetime) -> None:
            super().__init__()
            self.start = start
            self.end = end

    class WeekNeeded(Message):
        """The cursor left the loaded week: the owner loads the week starting `monday`."""

        def __init__(self, monday: date) -> None:
            super().__init__()
            self.monday = monday

    def __init__(
        self,
        zone: str,
        now: datetime,
        duration: timedelta,
        glyphs: Glyphs,
        *,
        ascii_only: bool = False,
        start: datetime | None = None,
        mode: str = "week",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.zone = ZoneInfo(zone)
        self.offsets = zone_offsets(zone)
        self.now = now.astimezone(self.zone)
        self.glyphs = glyphs
        self.marks = GridMarks.of(ascii_only)
        self.mode = mode
        self.view: CalendarView | None = None
        self.free: list[tuple[datetime, datetime]] = []
        self.opened: frozenset[date] = frozenset()
        """Public holidays the recruiter opened: drawn as such."""
        self.colours: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.span_minutes = max(int(duration.total_seconds() // 60), self.step_minutes)
        """The span's length in real minutes, across a DST change too."""
        self.top = 0
        self._columns: list[_Column] = []
        self._cells: dict[tuple[int, str], list[GridEvent | None]] = {}
        self._row_times: dict[date, list[RowTime]] = {}
        self._lane_events: dict[tuple[int, str], list[GridEvent]] = {}
        self._header_lines = 2
        self._lane_rows = 0
        self._scrolled_for_cursor = False
        self._dragging = False
        self._title_end = 0
        """Where the title line's text last ended: a cursor move repaints up to there."""
        self._drawn_abbreviation = ""
        first = (start or self.now).astimezone(self.zone)
        minute = first.hour * 60 + first.minute
        minute -= minute % self.step_minutes
        if start is None and minute < FIRST_VISIBLE_HOUR * 60:
            minute = FIRST_VISIBLE_HOUR * 60
        self._cursor = 0
        """The span's start, in epoch minutes: an instant, so it moves by real time."""
        self._cursor_local = self.now
        self._cursor_range = range(0)
        self._put(self._resolve(first.date(), minute, first.fold))

    # ----------------------------------------------------------------- state

    @property
    def step(self) -> timedelta:
        return WEEK_STEP if self.mode == "week" else DAY_STEP

    @property
    def step_minutes(self) -> int:
        return int(self.step.total_seconds() // 60)

    @property
    def rows(self) -> int:
        return 24 * 60 // self.step_minutes

    @property
    def cursor_day(self) -> date:
        return self._cursor_local.date()

    @property
    def cursor_minute(self) -> int:
        """The wall-clock minute of the cursor's day at which the span starts."""
        return self._cursor_local.hour * 60 + self._cursor_local.minute

    @property
    def zone_abbreviation(self) -> str:
        """The grid's zone as its clocks call it at the cursor: "CET", "CEST", "EST"."""
        return self._cursor_local.tzname() or self.zone.key

    @property
    def selection(self) -> tuple[datetime, datetime]:
        """The span under the cursor, in UTC: a local time in the second pass of a repeated
        hour (fold=1) never compares equal to an instant in another zone (PEP 495)."""
        return to_datetime(self._cursor), to_datetime(self._cursor + self.span_minutes)

    def _resolve(self, day: date, minute: int, fold: int = 0) -> int:
        """The epoch minute a wall time on `day` stands for, by core's rule: a time the
        clocks skip moves to the jump, `fold` picks the pass through a repeated hour."""
        wall = (datetime.combine(day, time()) + timedelta(minutes=minute)).replace(fold=fold)
        return minutes_floor(resolve_local(wall, self.zone.key))

    def _day_end(self) -> int:
        return self._resolve(self.cursor_day + timedelta(days=1), 0)

    def _put(self, start: int, span: int | None = None) -> None:
        """Place the cursor at epoch minute `start` (and make the span `span` minutes)."""
        self._cursor = start
        self._cursor_local = to_datetime(start, self.zone)
        if span is not None:
            self.span_minutes = span
        spans = self._row_spans(start, start + self.span_minutes, self.cursor_day)
        first = min((a for a, _ in spans), default=self.cursor_minute // self.step_minutes)
        last = max((b for _, b in spans), default=first + 1)
        # One block from the first row to the last, over any skipped rows in between.
        self._cursor_range = range(first, max(first + 1, last))

    def _row_spans(self, start: int, end: int, day: date) -> list[tuple[int, int]]:
        """The rows [first, last) of `day` on which the clock shows a time while the epoch
        minutes [start, end) last: one pair per stretch of constant UTC offset."""
        midnight, step = local_minutes(day), self.step_minutes
        spans = []
        for a, b in self.offsets.wall_spans(start, end):
            first, last = max(0, (a - midnight) // step), min(self.rows, -(-(b - midnight) // step))
            if first < last:
                spans.append((first, last))
        return spans

    def show(
        self,
        view: CalendarView | None,
        free: Sequence[tuple[datetime, datetime]] = (),
        now: datetime | None = None,
        *,
        opened: Collection[date] = (),
    ) -> None:
        """New data from core (None: loading); repaints everything once."""
        self.view = view
        self.free = list(free)
        self.opened = frozenset(opened)
        if now is not None:
            self.now = now.astimezone(self.zone)
        if view is not None:
            keys = [p.key for p in view.people] + [r.key for r in view.rooms]
            self.colours = {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}
            self.names = {p.key: p.employee.name for p in view.people}
            self.names.update({r.key: r.room.name for r in view.rooms})
        self._layout()
        self.refresh()

    def move_to(self, start: datetime, end: datetime | None = None) -> None:
        """Put the cursor on `start` (and stretch it to `end`)."""
        old = self._cursor_lines()
        span = None if end is None else max(minutes_ceil(end) - minutes_floor(start), 1)
        self._put(minutes_floor(start), span)
        self._cursor_changed(old, relayout=True)

    # ----------------------------------------------------------------- layout

    def _layout(self) -> None:
        """Columns, lanes and per-row cells for the current mode and data."""
        keys = list(self.colours)
        if self.mode == "week":
            monday = week_start(self.cursor_day)
            days = [monday + timedelta(days=i) for i in range(7)]
            self._columns = [_Column(d, tuple(keys), f"{d:%a} {d.day}") for d in days]
        else:
            day = self.cursor_day
            self._columns = [_Column(day, (key,), self._lane_title(key)) for key in keys] or [
                _Column(day, (), f"{day:%a} {day.day} {day:%b}")
            ]
        self._cells = {}
        self._lane_events = {}
        by_owner: dict[str, list[tuple[int, int, GridEvent]]] = {}
        if self.view is not None:
            for event in self.view.events:
                timed = (minutes_floor(event.start), minutes_ceil(event.end), event)
                by_owner.setdefault(event.owner, []).append(timed)
        for index, column in enumerate(self._columns):
            day_start = self._resolve(column.day, 0)
            day_end = self._resolve(column.day + timedelta(days=1), 0)
            for key in column.lanes:
                cells: list[GridEvent | None] = [None] * self.rows
                lane: list[GridEvent] = []
                for start, end, event in by_owner.get(key, ()):
                    if end <= day_start or start >= day_end:
                        continue
                    if event.all_day:
                        lane.append(event)
                        if event.kind != "absent":
                            continue
                    for first, last in self._row_spans(start, end, column.day):
                        for row in range(first, last):
                            if cells[row] is None:
                                cells[row] = event
                self._cells[index, key] = cells
                self._lane_events[index, key] = lane
        free = IntervalSet.of((minutes_ceil(a), minutes_floor(b)) for a, b in self.free)
        shown = dict.fromkeys(column.day for column in self._columns)  # the day view repeats it
        self._row_times = {day: self._day_rows(day, free) for day in shown}
        lane_rows = max((len(v) for v in self._lane_events.values()), default=0)
        self._lane_rows = min(lane_rows, MAX_LANE_ROWS)
        self._header_lines = 2 + (1 if self._holidays_shown() else 0) + self._lane_rows
        self._scroll_to_cursor(force=not self._scrolled_for_cursor)

    def _day_rows(self, day: date, free: IntervalSet) -> list[RowTime]:
        """Each row of `day`: skipped when no instant shows its time, free when `free`
        holds every instant that does (both passes of a repeated hour)."""
        midnight, step = local_minutes(day), self.step_minutes
        times = []
        for row in range(self.rows):
            pairs = self.offsets.local_span(midnight + row * step, midnight + (row + 1) * step)
            if not pairs:
                times.append(RowTime.SKIPPED)
            elif all(free.covers(a, b) for a, b in pairs):
                times.append(RowTime.FREE)
            else:
                times.append(RowTime.BUSY)
        return times

    def _lane_title(self, key: str) -> str:
        name = self.names.get(key, key)
        if self.view is not None:
            people = any(p.key == key and not p.integrated for p in self.view.people)
            rooms = any(r.key == key and not r.integrated for r in self.view.rooms)
            if people or rooms:
                return f"{self.glyphs.warning} {name}"
        return name

    def _holidays_shown(self) -> bool:
        if self.view is None:
            return False
        return any(c.day in self.view.holidays for c in self._columns)

    def _minutes_into(self, instant: datetime, day: date) -> int:
        local = instant.astimezone(self.zone)
        delta = local.replace(tzinfo=None) - datetime.combine(day, time())
        return int(delta.total_seconds() // 60)

    def _row_of(self, instant: datetime, day: date) -> int:
        return self._minutes_into(instant, day) // self.step_minutes

    @property
    def _body_height(self) -> int:
        return max(1, self.size.height - self._header_lines)

    def _cursor_rows(self) -> range:
        return self._cursor_range

    def _scroll_to_cursor(self, force: bool = False) -> bool:
        """Keep the cursor's rows on screen; True when the grid scrolled."""
        height = self._body_height
        if self.size.height == 0:
            return False
        if force:
            self._scrolled_for_cursor = True
        rows = self._cursor_rows()
        top = self.top
        if force:
            top = min(rows.start, FIRST_VISIBLE_HOUR * 60 // self.step_minutes)
            if rows.stop > top + height:
                top = rows.stop - height
        if rows.start < top:
            top = rows.start
        elif rows.stop > top + height:
            top = min(rows.start, rows.stop - height)
        top = max(0, min(top, self.rows - height))
        changed = top != self.top
        self.top = top
        return changed

    def on_resize(self, event: events.Resize) -> None:
        self._layout()
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._header_lines + self.rows

    # ----------------------------------------------------------------- geometry

    def _column_width(self) -> int:
        count = max(1, len(self._columns))
        return max(2, (self.size.width - LABEL_WIDTH) // count)

    def _lane_widths(self, column: _Column, width: int) -> list[int]:
        inner = width - 1  # the separator
        count = len(column.lanes)
        if count == 0:
            return []
        base, extra = divmod(inner, count)
        return [base + (1 if i < extra else 0) for i in range(count)]

    # ----------------------------------------------------------------- drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            segments = self._title_line(base)
        elif y == 1:
            segments = self._header_line(base)
        elif y < self._header_lines:
            segments = self._lane_line(y - 2, base)
        else:
            row = self.top + y - self._header_lines
            segments = self._row_line(row, base) if row < self.rows else []
        # Names, titles and places come from calendars: no control character may reach the terminal.
        shown = [Segment(printable(text), style) for text, style, _ in segments]
        return Strip(Segment.simplify(shown)).adjust_cell_length(width, base)

    def _title_parts(self) -> tuple[str, str, str]:
        """The title line's three parts: the week (or day), the span under the cursor, the
        zone's name."""
        dash = self.glyphs.dash
        if self.mode == "week":
            monday = week_start(self.cursor_day)
            sunday = monday + timedelta(days=6)
            title = f"Week {monday.isocalendar().week}: {monday:%d %b}{dash}{sunday:%d %b %Y}"
        else:
            title = f"{self.cursor_day:%a %d %b %Y}"
        if self.view is None:
            title += f" {self.glyphs.separator} loading{self.glyphs.ellipsis}"
        span = describe_span(*self.selection, self.glyphs, self.zone)
        return title, span, f" ({self.zone.key})"

    def _title_line(self, base: Style) -> list[Segment]:
        title, span, zone = self._title_parts()
        return [
            Segment(title, base + Style(bold=True)),
            Segment(TITLE_GAP),
            Segment(span, base + CURSOR),
            Segment(zone, base + DIM),
        ]

    def _header_line(self, base: Style) -> list[Segment]:
        width = self._column_width()
        # Above the time column: the viewer's zone as its clocks call it at the cursor
        # ("CET", "EST"), so a row's time is never read as another zone's.
        self._drawn_abbreviation = self.zone_abbreviation
        corner = set_cell_size(f" {self._drawn_abbreviation}", LABEL_WIDTH)
        segments = [Segment(corner, base + DIM)]
        today = self.now.date()
        for column in self._columns:
            title = column.title
            style = base + Style(bold=True)
            if self.mode == "week" and column.day == today:
                title = f"{self.marks.today}{title}"
                style = base + TODAY
            elif self.mode == "day" and column.lanes:
                style = base + Style(bgcolor=self.colours.get(column.lanes[0]), color="white")
            text = set_cell_size(f" {title}", width - 1)
            segments.append(Segment(self.marks.column, base + DIM))
            segments.append(Segment(text, style))
        return segments

    def _lane_line(self, index: int, base: Style) -> list[Segment]:
        """Holidays (one line), then the all-day lane."""
        view = self.view
        width = self._column_width()
        if self._holidays_shown() and view is not None:
            if index == 0:
                segments = [Segment(set_cell_size("Hol.", LABEL_WIDTH), base + HOLIDAY)]
                if self.mode == "day":
                    name, style = self._holiday(self.cursor_day)
                    segments.append(Segment(self.marks.column, base + DIM))
                    segments.append(
                        Segment(f" Public holiday: {name}" if name else "", base + style)
                    )
                    return segments
                for column in self._columns:
                    name, style = self._holiday(column.day)
                    segments.append(Segment(self.marks.column, base + DIM))
                    segments.append(Segment(set_cell_size(name, width - 1), base + style))
                return segments
            index -= 1
        label = "AllDay" if index == 0 else ""
        segments = [Segment(set_cell_size(label, LABEL_WIDTH), base + DIM)]
        for c, column in enumerate(self._columns):
            segments.append(Segment(self.marks.column, base + DIM))
            for key, lane_width in zip(column.lanes, self._lane_widths(column, width), strict=True):
                lane = self._lane_events.get((c, key), [])
                if index < len(lane):
                    event = lane[index]
                    more = len(lane) - MAX_LANE_ROWS
                    title = event.title
                    if index == MAX_LANE_ROWS - 1 and more > 0:
                        title = f"+{more + 1} more"
                    bg = ABSENT_BG if event.kind == "absent" else self.colours.get(key)
                    text = set_cell_size(title if lane_width >= 3 else "", lane_width)
                    segments.append(Segment(text, base + Style(bgcolor=bg, color="white")))
                else:
                    segments.append(Segment(" " * lane_width, base))
            if not column.lanes:
                segments.append(Segment(" " * (width - 1), base))
        return segments

    def _holiday(self, day: date) -> tuple[str, Style]:
        """The holiday's name on `day` ("" for none), marked when the recruiter opened it."""
        name = self.view.holidays.get(day, "") if self.view is not None else ""
        if name and day in self.opened:
            return f"{name} (opened)", OPENED_HOLIDAY
        return name, HOLIDAY

    def _row_line(self, row: int, base: Style) -> list[Segment]:
        step = self.step_minutes
        minute = row * step
        width = self._column_width()
        now = self.now
        today = now.date()
        now_row = self._row_of(now, today) if self._minutes_into(now, today) >= 0 else -1
        cursor_rows = self._cursor_rows()
        on_cursor_row = row in cursor_rows
        if minute % 60 == 0:
            label = f"{minute // 60:02d}:00"
            label_style = base
        else:
            label = f"  :{minute % 60:02d}"
            label_style = base + DIM
        has_today = any(c.day == today for c in self._columns)
        if row == now_row and has_today:
            label = f"{self.marks.now}{now:%H:%M}"
            label_style = base + NOW_LABEL
        segments = [Segment(set_cell_size(label, LABEL_WIDTH), label_style)]
        for c, column in enumerate(self._columns):
            segments.append(Segment(self.marks.column, base + DIM))
            is_cursor = on_cursor_row and column.day == self.cursor_day
            underline = row == now_row and column.day == today
            times = self._row_times.get(column.day)
            kind = times[row] if times is not None and row < len(times) else RowTime.BUSY
            lane_widths = self._lane_widths(column, width)
            if not column.lanes:
                segments.append(
                    Segment(" " * (width - 1), base + (CURSOR if is_cursor else Style()))
                )
                continue
            for key, lane_width in zip(column.lanes, lane_widths, strict=True):
                segments.append(
                    self._cell(c, key, row, lane_width, base, is_cursor, kind, underline)
                )
        return segments

    def _cell(
        self,
        column: int,
        key: str,
        row: int,
        lane_width: int,
        base: Style,
        is_cursor: bool,
        kind: RowTime,
        underline: bool,
    ) -> Segment:
        cells = self._cells.get((column, key))
        event = cells[row] if cells else None
        text = " " * lane_width
        if kind is RowTime.SKIPPED:
            text, style = self.marks.skipped * lane_width, base + DIM
        elif event is None:
            style = base + Style(bgcolor=FREE_BG) if kind is RowTime.FREE else base
        else:
            first = row == 0 or cells is None or cells[row - 1] is not event
            bg = ABSENT_BG if event.kind == "absent" else self.colours.get(key)
            if event.kind == "tentative":
                style = base + Style(color=bg)
                text = self.marks.tentative * lane_width
            else:
                style = base + Style(bgcolor=bg, color="white")
            if (first or row == self.top) and lane_width >= 3:
                text = set_cell_size(event.title, lane_width)
            elif (
                self.mode == "day"
                and cells is not None
                and row > 0
                and cells[row - 1] is event
                and (row < 2 or cells[row - 2] is not event)
                and event.location
            ):
                text = set_cell_size(event.location, lane_width)
        if is_cursor:
            style = style + CURSOR
        if underline:
            style = style + Style(underline=True)
        return Segment(text, style)

    # ----------------------------------------------------------------- cursor

    def _cursor_lines(self) -> tuple[date, range]:
        return self.cursor_day, self._cursor_rows()

    def _cursor_changed(self, old: tuple[date, range], *, relayout: bool = False) -> None:
        """Repaint only the lines whose cursor marking changed, plus the title line."""
        old_day, old_rows = old
        start, end = self.selection
        self.post_message(self.SpanChanged(start, end))
        new_week = week_start(self.cursor_day)
        if self.view is not None:
            loaded = self.view.start.astimezone(self.zone).date()
            loaded_end = self.view.end.astimezone(self.zone).date()
            if not loaded <= self.cursor_day < loaded_end:
                self.post_message(self.WeekNeeded(new_week))
        other_column = self.mode == "day" and old_day != self.cursor_day
        other_week = self.mode == "week" and week_start(old_day) != new_week
        if relayout or other_column or other_week:
            self._layout()
            self._scroll_to_cursor()
            self.refresh()
            return
        if self._scroll_to_cursor():
            self.refresh()
            return
        self._refresh_span_title()
        if self.zone_abbreviation != self._drawn_abbreviation:  # DST begins or ends
            self.refresh(Region(0, 1, LABEL_WIDTH, 1))
        lines = set(old_rows) | set(self._cursor_rows())
        first, last = min(lines), max(lines)
        top = max(self._header_lines + first - self.top, self._header_lines)
        height = last - first + 1
        for day in {old_day, self.cursor_day}:
            left, width = self._cursor_columns(day)
            self.refresh(Region(left, top, width, height))

    def _refresh_span_title(self) -> None:
        """Only the span and zone of the title line: the week's part stays (fewer bytes
        down an SSH link per cursor move), and as wide as the longer of old and new text."""
        title, span, zone = self._title_parts()
        left = cell_len(title) + len(TITLE_GAP)
        end = left + cell_len(span) + cell_len(zone)
        self.refresh(Region(left, 0, max(end, self._title_end) - left, 1))
        self._title_end = end

    def _cursor_columns(self, day: date) -> tuple[int, int]:
        """The x and width of what the cursor covers on `day`: one day column in the week
        view (only its cells are rewritten), every calendar column in the day view."""
        if self.mode == "day":
            return LABEL_WIDTH, max(1, self.size.width - LABEL_WIDTH)
        width = self._column_width()
        index = (day - week_start(self.cursor_day)).days
        return LABEL_WIDTH + index * width, width

    def _same_time_on(self, day: date) -> int:
        return self._resolve(day, self.cursor_minute)

    def action_move(self, rows: int, days: int) -> None:
        old = self._cursor_lines()
        if rows:
            # Real minutes: over the hour the clocks skip, twice through a repeated one.
            start = self._cursor + rows * self.step_minutes
            day_end = self._day_end()
            if rows > 0 and start < day_end < start + self.span_minutes:
                start = max(self._cursor, day_end - self.span_minutes)  # stop at the day's end
            self._put(start)
        if days:
            self._put(self._same_time_on(self.cursor_day + timedelta(days=days)))
        self._cursor_changed(old)

    def action_stretch(self, steps: int) -> None:
        old = self._cursor_lines()
        span = self.span_minutes + steps * self.step_minutes
        span = max(self.step_minutes, min(span, self._day_end() - self._cursor))
        self._put(self._cursor, span)
        self._cursor_changed(old)

    def action_page(self, direction: int) -> None:
        old = self._cursor_lines()
        days = (7 if self.mode == "week" else 1) * direction
        self._put(self._same_time_on(self.cursor_day + timedelta(days=days)))
        self._cursor_changed(old, relayout=True)

    def action_today(self) -> None:
        old = self._cursor_lines()
        self._put(self._same_time_on(self.now.date()))
        self._cursor_changed(old, relayout=True)

    def action_toggle_view(self) -> None:
        self.action_view("day" if self.mode == "week" else "week")

    def action_view(self, mode: str) -> None:
        if mode == self.mode or mode not in ("week", "day"):
            return
        old = self._cursor_lines()
        self.mode = mode
        minute = self.cursor_minute - self.cursor_minute % self.step_minutes
        start = self._resolve(self.cursor_day, minute, self._cursor_local.fold)
        self._put(start, max(self.step_minutes, self.span_minutes))
        self._scrolled_for_cursor = False
        self._cursor_changed(old, relayout=True)

    def action_select(self) -> None:
        start, end = self.selection
        self.post_message(self.TimeSelected(start, end))

    # ----------------------------------------------------------------- mouse

    def _point(self, x: int, y: int) -> tuple[date, int] | None:
        if x < LABEL_WIDTH or y < self._header_lines or not self._columns:
            return None
        index = min((x - LABEL_WIDTH) // self._column_width(), len(self._columns) - 1)
        day = self._columns[index].day if self.mode == "week" else self.cursor_day
        row = self.top + y - self._header_lines
        if row >= self.rows:
            return None
        return day, row * self.step_minutes

    def on_mouse_down(self, event: events.MouseDown) -> None:
        point = self._point(event.x, event.y)
        if point is None:
            return
        self.focus()
        old = self._cursor_lines()
        self._put(self._resolve(*point))  # a skipped time moves to the jump, as core does
        self._dragging = True
        self.capture_mouse()
        self._cursor_changed(old)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        point = self._point(event.x, event.y)
        if point is None or point[0] != self.cursor_day:
            return
        old = self._cursor_lines()
        span = self._resolve(point[0], point[1] + self.step_minutes) - self._cursor
        if span >= self.step_minutes and span != self.span_minutes:
            self._put(self._cursor, span)
            self._cursor_changed(old)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()


def legend(
    view: CalendarView, colours: dict[str, str], glyphs: Glyphs, now: datetime | None = None
) -> Text:
    """One coloured swatch per calendar, a warning beside calendars that are not integrated
    or whose last sync failed, and how old the oldest copy on screen is ("as of 10:42")."""
    text = Text()
    for person in view.people:
        warn = "" if person.integrated and not person.note else f" {glyphs.warning}"
        text.append("  ", Style(bgcolor=colours.get(person.key)))
        text.append(f" {person.employee.name}{warn}  ")
    for room in view.rooms:
        warn = "" if room.integrated and not room.note else f" {glyphs.warning}"
        text.append("  ", Style(bgcolor=colours.get(room.key)))
        text.append(f" {room.room.name} ({room.room.capacity}){warn}  ")
    text.append("  ", Style(bgcolor=FREE_BG))
    text.append(" everyone free")
    if view.as_of is not None:
        zone = ZoneInfo(view.zone)
        as_of = view.as_of.astimezone(zone)
        today = now is None or as_of.date() == now.astimezone(zone).date()
        text.append(f"  as of {as_of:%H:%M}" if today else f"  as of {as_of:%a %d %b %H:%M}")
    return text


def describe_span(start: datetime, end: datetime, glyphs: Glyphs, zone: ZoneInfo) -> str:
    """Two instants as `zone`'s clock shows them: "Tue 24 Nov 10:00–11:00"."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    return f"{first:%a %d %b %H:%M}{glyphs.dash}{last:%H:%M}"
