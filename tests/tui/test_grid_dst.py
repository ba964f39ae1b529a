"""The calendar grid on DST change days in Amsterdam: rows are wall-clock times, read by
core's rule (`panelist.availability.localtime`).

On Sun 25 Oct 2026 the clocks go back at 03:00 CEST, so 02:00-03:00 happens twice; on
Sun 28 Mar 2027 they jump from 02:00 to 03:00, so 02:00-03:00 never happens. The week
view's rows are 30 minutes: row 4 is 02:00, row 5 02:30.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from grid_helpers import AMS, ANA, HOUR, GridApp, utc, week_of

from panelist_tui.widgets.calendar_grid import CalendarGrid, RowTime

pytestmark = pytest.mark.anyio

FALL_BACK, SPRING_FORWARD = date(2026, 10, 25), date(2027, 3, 28)
TWO, HALF_PAST_TWO = 4, 5
Span = tuple[datetime, datetime]


def drawn_rows(grid: CalendarGrid, day: date) -> dict[int, str]:
    """Row -> title of the event drawn there, in `day`'s column."""
    index = day.weekday()
    cells = grid._cells[index, ANA]
    return {row: event.title for row, event in enumerate(cells) if event is not None}


async def test_an_event_over_the_fall_back_is_drawn_on_every_row_it_lasts() -> None:
    events = [
        # 01:00 CEST until 04:00 CET: four hours, the clock shows 01:00-04:00.
        (utc(FALL_BACK, 23) - timedelta(days=1), utc(FALL_BACK, 3), "Long"),
        # 02:45 CEST until 02:15 CET: half an hour that ends "before" it starts.
        (utc(FALL_BACK, 0, 45), utc(FALL_BACK, 1, 15), "Short"),
    ]
    async with GridApp(utc(FALL_BACK, 8)).run_test(size=(80, 60)) as pilot:
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(FALL_BACK, events[:1]))
        assert drawn_rows(grid, FALL_BACK) == dict.fromkeys(range(2, 8), "Long")
        grid.show(week_of(FALL_BACK, events[1:]))
        assert drawn_rows(grid, FALL_BACK) == {TWO: "Short", HALF_PAST_TWO: "Short"}


async def test_the_skipped_hour_holds_no_event_and_no_free_time() -> None:
    # 01:00 CET until 04:00 CEST: two hours, on both sides of the jump.
    event = (utc(SPRING_FORWARD, 0), utc(SPRING_FORWARD, 2), "Over the jump")
    whole_day = [(utc(SPRING_FORWARD, 0) - HOUR, utc(SPRING_FORWARD, 22))]
    async with GridApp(utc(SPRING_FORWARD, 8)).run_test(size=(80, 60)) as pilot:
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(SPRING_FORWARD, [event]), whole_day)
        assert drawn_rows(grid, SPRING_FORWARD) == dict.fromkeys((2, 3, 6, 7), "Over the jump")
        times = grid._row_times[SPRING_FORWARD]
        assert [i for i, t in enumerate(times) if t is RowTime.SKIPPED] == [TWO, HALF_PAST_TWO]
        assert times[1] is times[8] is RowTime.FREE
        saturday = grid._row_times[SPRING_FORWARD - timedelta(days=1)]
        assert RowTime.SKIPPED not in saturday


@pytest.mark.parametrize(
    ("free", "repeated_hour_free"),
    [
        ([(utc(FALL_BACK, 0), utc(FALL_BACK, 1))], False),  # only the first pass (CEST)
        ([(utc(FALL_BACK, 1), utc(FALL_BACK, 2))], False),  # only the second pass (CET)
        ([(utc(FALL_BACK, 0), utc(FALL_BACK, 2))], True),
    ],
)
async def test_the_repeated_hour_is_free_only_when_both_passes_are(
    free: list[Span], repeated_hour_free: bool
) -> None:
    async with GridApp(utc(FALL_BACK, 8)).run_test(size=(80, 30)) as pilot:
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(FALL_BACK), free)
        times = grid._row_times[FALL_BACK]
        expected = RowTime.FREE if repeated_hour_free else RowTime.BUSY
        assert times[TWO] is times[HALF_PAST_TWO] is expected


async def test_the_cursor_steps_over_the_skipped_hour() -> None:
    half_past_one = utc(SPRING_FORWARD, 0, 30)  # 01:30 CET
    async with GridApp(half_past_one).run_test(size=(80, 30)) as pilot:
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(SPRING_FORWARD))
        assert grid.selection == (half_past_one, half_past_one + HOUR)  # ends 03:30 CEST
        assert grid._cursor_rows() == range(3, 7)  # 01:30 to 03:30 on the wall
        await pilot.press("down")
        assert grid.selection[0] == utc(SPRING_FORWARD, 1)  # 03:00 CEST
        assert grid.cursor_minute == 180
        await pilot.press("up")
        assert grid.selection[0] == half_past_one


async def test_the_zone_above_the_time_column_follows_the_cursor_over_the_jump() -> None:
    half_past_one = utc(SPRING_FORWARD, 0, 30)  # 01:30 CET
    async with GridApp(half_past_one).run_test(size=(80, 30)) as pilot:
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(SPRING_FORWARD))
        await pilot.pause()
        assert grid.render_line(1).text.startswith(" CET  ")
        await pilot.press("down")  # 03:00 CEST
        await pilot.pause()
        assert grid.render_line(1).text.startswith(" CEST ")


async def test_the_cursor_walks_the_repeated_hour_twice() -> None:
    async with GridApp(utc(FALL_BACK, 0, 30)).run_test(size=(80, 30)) as pilot:  # 02:30 CEST
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(FALL_BACK))
        seen = []
        for _ in range(3):
            await pilot.press("down")
            start = grid.selection[0]
            seen.append((start, f"{start.astimezone(AMS):%H:%M %Z}"))
        assert seen == [
            (utc(FALL_BACK, 1), "02:00 CET"),
            (utc(FALL_BACK, 1, 30), "02:30 CET"),
            (utc(FALL_BACK, 2), "03:00 CET"),
        ]
        # An hour from 02:30 CET lasts one real hour and covers the rows 02:30 to 03:30.
        assert grid.selection[1] - grid.selection[0] == HOUR
        assert grid._cursor_rows() == range(6, 8)


async def test_a_time_the_clocks_skip_is_never_a_start() -> None:
    saturday = SPRING_FORWARD - timedelta(days=1)
    async with GridApp(utc(saturday, 1, 30)).run_test(size=(80, 30)) as pilot:  # 02:30 CET
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(SPRING_FORWARD))
        await pilot.press("l")  # Sunday 02:30 does not exist: core moves it to the jump
        assert grid.selection[0] == utc(SPRING_FORWARD, 1)
        assert f"{grid.selection[0].astimezone(AMS):%H:%M %Z}" == "03:00 CEST"
        # A click on the skipped 02:00 row lands at 03:00 too.
        x = 6 + 6 * grid._column_width() + 2
        y = grid._header_lines + TWO - grid.top
        await pilot.click(grid, offset=(x, y))
        assert grid.selection[0] == utc(SPRING_FORWARD, 1)


async def test_a_suggestion_in_the_second_pass_is_selected_as_it_is() -> None:
    second_pass = utc(FALL_BACK, 1, 15)  # 02:15 CET, not 02:15 CEST an hour earlier
    async with GridApp(utc(FALL_BACK, 8)).run_test(size=(80, 30)) as pilot:
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(FALL_BACK))
        grid.move_to(second_pass, second_pass + HOUR)
        assert grid.selection == (second_pass, second_pass + HOUR)
