"""Find a time in the calendar (SPEC §2 step 4, §3): the grid, ranked suggestions, a room.

The interview form pushes `FindTimeScreen(employee_ids, duration, room_ids, initial,
candidate_zone, organiser_zone=...)` and receives a `ChosenTime` (or None when the recruiter
backs out). The grid shows the viewer's zone; when the organiser's clock (the form's) shows
other times, a line names both zones and the cursor's span in the organiser's.
Calendars are read by core in a worker; provider errors become notifications. The
candidate's zone ranks the suggestions (core prefers their daytime) and shows their
local time beside each; public holidays block until the recruiter opens one (`o`).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from panelist.availability import FinderResult, Slot
from panelist.calendars import CalendarKey, SyncService, freshness
from panelist.errors import PanelistError
from panelist.services.calendar_view import (
    CalendarRoom,
    CalendarView,
    load_calendar_view,
    suggest_slots,
)
from panelist.services.directory import list_rooms
from panelist.timezones import clocks_agree, zone_or_none
from panelist_tui.formatting import time_span
from panelist_tui.messages import ChosenTime
from panelist_tui.widgets.calendar_grid import CalendarGrid, describe_span, legend, week_start
from panelist_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

SEARCH_WEEKS = 2
"""Calendars are read for the shown week and the next: suggestions look that far ahead."""
SUGGESTION_STEP = timedelta(minutes=15)
FRESHNESS_CHECK_S = 10.0
"""How often an open grid looks whether its calendars have aged past the freshness bound."""


class RoomPicker(ModalScreen[int | None]):
    """Rooms free for the span, with their capacity; Enter picks, Escape keeps the old choice."""

    DEFAULT_CSS = """
    RoomPicker { align: center middle; }
    #room-dialog {
        width: 60; max-width: 100%; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #room-list { height: auto; max-height: 16; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, rooms: list[CalendarRoom], span: str) -> None:
        super().__init__()
        self.rooms = rooms
        self.span = span

    def compose(self) -> ComposeResult:
        with Vertical(id="room-dialog") as dialog:
            dialog.border_title = f"Rooms free {self.span}"
            dialog.border_subtitle = "Enter picks · Esc cancels"
            options = [Option("No room", id="none")]
            options += [
                Option(f"{r.room.name} ({r.room.capacity} seats) {r.room.location}", id=r.key)
                for r in self.rooms
            ]
            yield OptionList(*options, id="room-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        if key == "none" or key is None:
            self.dismiss(None)
            return
        self.dismiss(int(key.removeprefix("room:")))

    def action_cancel(self) -> None:
        self.app.pop_screen()


class FindTimeScreen(Screen[ChosenTime | None]):
    """The calendar grid for the chosen participants; dismisses with a `ChosenTime` or None."""

    app: PanelistApp

    # Textual types this `ClassVar[...] | None`, which mypy reads as an instance variable.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [  # type: ignore[misc]
        (0, "-narrow"),
        (120, "-wide"),
    ]

    DEFAULT_CSS = """
    FindTimeScreen #ft-legend { height: 1; padding: 0 1; background: $panel; }
    FindTimeScreen #ft-zones { height: auto; padding: 0 1; color: $text-warning; }
    FindTimeScreen #ft-body { height: 1fr; }
    FindTimeScreen #ft-suggestions { padding: 0 1; background: $panel; overflow: hidden; }
    FindTimeScreen.-wide #ft-body { layout: horizontal; }
    /* 48 columns: a slot and the candidate's time with their weekday fit on one line. */
    FindTimeScreen.-wide #ft-suggestions { width: 50; height: 1fr; }
    FindTimeScreen.-narrow #ft-body { layout: vertical; }
    FindTimeScreen.-narrow #ft-suggestions { height: 5; width: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "suggestion(1)", "Next slot", tooltip="Jump to the next suggestion"),
        Binding("p", "suggestion(-1)", "Prev slot", tooltip="Jump to the previous suggestion"),
        Binding("r", "room", "Room", tooltip="Choose a room free for the span"),
        Binding(
            "o",
            "open_holiday",
            "Open holiday",
            tooltip="Open or close the public holiday on the cursor's day for interviews",
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Back without choosing a time"),
    ]

    def __init__(
        self,
        employee_ids: list[int],
        duration: timedelta,
        room_ids: list[int] | None = None,
        initial: datetime | None = None,
        candidate_zone: str | None = None,
        moving: int | None = None,
        organiser_zone: str | None = None,
    ) -> None:
        """`moving`: the interview being rescheduled, whose own events count as free.
        `organiser_zone`: the zone the form shows times in (default: the viewer's)."""
        super().__init__()
        self.organiser_zone = organiser_zone
        self.moving = moving
        self.employee_ids = list(employee_ids)
        self.duration = duration
        self.room_ids = list(room_ids) if room_ids is not None else None
        self.initial = initial
        # An unknown zone only loses the candidate's times; it never stops the search.
        self.candidate_zone = zone_or_none(candidate_zone) if candidate_zone else None
        self.opened: set[date] = set()
        """Public holidays the recruiter opened for interviews (`o`)."""
        self.full: CalendarView | None = None
        self.result: FinderResult | None = None
        self.index = -1
        self.room_id: int | None = self.room_ids[0] if self.room_ids else None

    # ----------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        ws = self.app.workspace
        self.grid = CalendarGrid(
            ws.user.timezone,
            ws.clock.now(),
            self.duration,
            self.app.glyphs,
            ascii_only=self.app.ascii,
            start=self.initial,
            id="ft-grid",
        )
        yield Static("", id="ft-legend")
        yield Static("", id="ft-zones")
        with Horizontal(id="ft-body"):
            yield self.grid
            yield Static("Reading calendars…", id="ft-suggestions")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._show_zones(*self.grid.selection)
        self.grid.focus()
        self._load(week_start(self.grid.cursor_day))
        self.set_interval(FRESHNESS_CHECK_S, self._refresh_if_outdated)

    # ----------------------------------------------------------------- loading

    @work(exclusive=True, group="find-time")
    async def _load(self, monday: date) -> None:
        self.grid.loading = True
        self.grid.show(None)
        read = await self._read(monday)
        self.grid.loading = False
        if read is not None:
            self._show(*read, index=-1)

    async def _read(self, monday: date) -> tuple[CalendarView, FinderResult] | None:
        """The fortnight from `monday` out of the calendar cache, and its suggestions."""
        ws = self.app.workspace
        start = datetime.combine(monday, time(), ZoneInfo(ws.user.timezone))
        end = start + timedelta(weeks=SEARCH_WEEKS)
        try:
            rooms = self.room_ids
            if rooms is None:
                rooms = [room.id for room in list_rooms(ws.db)]
            view = await load_calendar_view(
                ws, self.employee_ids, rooms, start, end, moving=self.moving
            )
            return view, self._suggest(view)
        except PanelistError as error:
            self.app.notify(str(error), title="Calendars", severity="error", timeout=8)
            self.query_one("#ft-suggestions", Static).update(f"Could not read calendars: {error}")
            return None

    def _show(self, view: CalendarView, result: FinderResult, index: int) -> None:
        told = set(self.full.problems) if self.full is not None else set()
        for problem in [p for p in view.problems if p not in told][:3]:
            self.app.notify(problem, title="Calendars", severity="warning", timeout=8)
        self.full, self.result = view, result
        self.index = index if index < len(result.ranked) else -1
        self._show_view()
        self._show_suggestions()
        self._refresh_if_outdated()

    def _refresh_if_outdated(self) -> None:
        """Calendars older than the company's freshness bound are synced in a worker and
        the grid redrawn; calendars another session is syncing are not synced twice."""
        if self.full is None:
            return
        ws = self.app.workspace
        due = self.full.outdated(freshness(ws.db), ws.clock.now())
        if due:
            self._refresh(due)

    @work(exclusive=True, group="find-time-sync")
    async def _refresh(self, due: list[CalendarKey]) -> None:
        ws = self.app.workspace
        try:
            reports = await SyncService(ws).refresh(due, freshness(ws.db))
        except PanelistError as error:
            self.app.report_error(error)
            return
        if reports and self.full is not None:
            self._redraw(self.full.start.date())

    @work(exclusive=True, group="find-time")
    async def _redraw(self, monday: date) -> None:
        """The same fortnight again from the cache, on the suggestion the recruiter is on."""
        read = await self._read(monday)
        if read is not None:
            self._show(*read, index=self.index)

    def _suggest(self, view: CalendarView) -> FinderResult:
        """Ranked slots over the whole loaded view, with the opened holidays open."""
        return suggest_slots(
            self.app.workspace,
            view,
            self.duration,
            SUGGESTION_STEP,
            self.room_ids,
            candidate_zone=self.candidate_zone.key if self.candidate_zone else None,
            open_holidays=frozenset(self.opened),
        )

    def _shown(self) -> CalendarView | None:
        """The view as the grid draws it: the people, and the chosen room only."""
        if self.full is None:
            return None
        rooms = tuple(r for r in self.full.rooms if r.room.id == self.room_id)
        return dataclasses.replace(self.full, rooms=rooms)

    def _show_view(self) -> None:
        shown = self._shown()
        if shown is None:
            return
        ws = self.app.workspace
        free = shown.free_spans(open_holidays=self.opened)
        self.grid.show(shown, free, ws.clock.now(), opened=self.opened)
        self.query_one("#ft-legend", Static).update(
            legend(shown, self.grid.colours, self.app.glyphs, ws.clock.now())
        )

    def _show_suggestions(self) -> None:
        panel = self.query_one("#ft-suggestions", Static)
        result = self.result
        if result is None:
            return
        glyphs = self.app.glyphs
        stale = self._stale_lines()
        if not result.ranked:
            text = Text()
            text.append("Nothing fits\n", Style(bold=True))
            for reason in result.why_nothing_fits:
                text.append(f"{glyphs.separator} {reason}\n")
            panel.update(Group(*stale, text))
            return
        count = len(result.ranked)
        current = self.index if self.index >= 0 else None
        heading = "Suggestions (n/p)" if current is None else f"Suggestion {current + 1}/{count}"
        lines = [*stale, Text(heading, Style(bold=True))]
        order = list(range(count))
        if current is not None:
            order = [current] + [i for i in order if i != current]
        for i in order:
            slot = result.ranked[i]
            mark = ">" if i == current else " "
            label = f"{mark}{i + 1:>2} {self._slot_label(slot)}"
            # One line per slot, cut rather than wrapped: what goes is the room, at the end
            # (the current slot's reasons name it too).
            style = Style(bold=i == current)
            lines.append(Text(label, style, no_wrap=True, overflow="ellipsis"))
            if i == current:
                lines.append(Text(f"    {'; '.join(slot.reasons)}", Style(dim=True)))
        panel.update(Group(*lines))

    def _stale_lines(self) -> list[Text]:
        """One line per calendar on screen whose last sync failed: whose, as of when, why."""
        if self.full is None:
            return []
        warning, zone = self.app.glyphs.warning, self.grid.zone
        return [
            Text(f"{warning} {c.name} as of {c.as_of.astimezone(zone):%a %H:%M}: {c.stale}")
            for c in self.full.calendars
            if c.stale and c.as_of is not None
        ]

    def _slot_label(self, slot: Slot) -> str:
        label = describe_span(slot.start, slot.end, self.app.glyphs, self.grid.zone)
        label += self._candidate_time(slot)
        room = self.full.suggested_room(slot) if self.full is not None else None
        if room is not None:
            label += f" {self.app.glyphs.separator} {room.room.name}"
        return label

    def _candidate_time(self, slot: Slot) -> str:
        """The candidate's local start (" · candidate 14:30") when their clock shows another
        time than the grid's, with their weekday when that differs too."""
        if self.candidate_zone is None:
            return ""
        ours = slot.start.astimezone(self.grid.zone)
        theirs = slot.start.astimezone(self.candidate_zone)
        if theirs.replace(tzinfo=None) == ours.replace(tzinfo=None):
            return ""
        day = f"{theirs:%a} " if theirs.date() != ours.date() else ""
        return f" {self.app.glyphs.separator} candidate {day}{theirs:%H:%M}"

    # ----------------------------------------------------------------- grid messages

    @on(CalendarGrid.WeekNeeded)
    def _week_needed(self, message: CalendarGrid.WeekNeeded) -> None:
        self._load(message.monday)

    @on(CalendarGrid.SpanChanged)
    def _span_changed(self, message: CalendarGrid.SpanChanged) -> None:
        self._show_zones(message.start, message.end)

    def _show_zones(self, start: datetime, end: datetime) -> None:
        """When the organiser's clock shows other times than the grid's: both zones named,
        and the span as the form will show it."""
        line = self.query_one("#ft-zones", Static)
        viewer, organiser = self.grid.zone.key, self.organiser_zone
        line.display = organiser is not None and not clocks_agree(viewer, organiser, start)
        if organiser is None or not line.display:
            return
        now, glyphs = self.app.workspace.clock.now(), self.app.glyphs
        there = time_span(start, end, organiser, now, glyphs)
        line.update(f"The grid shows your zone, {viewer}. The form shows the organiser's: {there}")

    @on(CalendarGrid.TimeSelected)
    def _time_selected(self, message: CalendarGrid.TimeSelected) -> None:
        message.stop()
        if self.room_id is not None and self.full is not None:
            seats = len(self.employee_ids) + 1
            free = {r.room.id for r in self.full.free_rooms(message.start, message.end, seats)}
            if self.room_id not in free:
                name = next(
                    (r.room.name for r in self.full.rooms if r.room.id == self.room_id), "room"
                )
                self.app.notify(
                    f"{name} is not free then; press r for another room", severity="warning"
                )
                return
        self.dismiss(ChosenTime(message.start, message.end, self.room_id))

    # ----------------------------------------------------------------- actions

    def action_suggestion(self, direction: int) -> None:
        result = self.result
        if result is None or not result.ranked:
            self.app.notify("No suggestions", severity="warning")
            return
        count = len(result.ranked)
        self.index = (self.index + direction) % count if self.index >= 0 else 0
        slot = result.ranked[self.index]
        # The room the suggestion names is the one taken with it, also when the form had
        # No room (the finder found the slot only because that room is free then).
        room = self.full.suggested_room(slot) if self.full is not None else None
        if room is not None and room.room.id != self.room_id:
            self.room_id = room.room.id
            self._show_view()
        self.grid.move_to(slot.start, slot.end)
        self._show_suggestions()

    def action_room(self) -> None:
        if self.full is None:
            return
        start, end = self.grid.selection
        rooms = self.full.free_rooms(start, end, len(self.employee_ids) + 1)
        span = describe_span(start, end, self.app.glyphs, self.grid.zone)

        def chosen(room_id: int | None) -> None:
            self.room_id = room_id
            self._show_view()

        self.app.push_screen(RoomPicker(rooms, span), chosen)

    def action_open_holiday(self) -> None:
        """Open the cursor's day for interviews despite its public holiday, or close it."""
        if self.full is None:
            return
        day = self.grid.cursor_day
        name = self.full.holidays.get(day)
        if name is None:
            self.app.notify(f"{day:%a %d %b} is not a public holiday", timeout=3)
            return
        self.opened ^= {day}
        state = "open for interviews" if day in self.opened else "closed again"
        self.app.notify(f"{name} ({day:%a %d %b}) is {state}", timeout=3)
        self.result, self.index = self._suggest(self.full), -1
        self._show_view()
        self._show_suggestions()

    def action_cancel(self) -> None:
        self.dismiss(None)
