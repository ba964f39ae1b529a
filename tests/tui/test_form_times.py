"""The interview form's date and times on DST change days (Europe/Amsterdam: clocks go
back on Sun 25 Oct 2026, 03:00 -> 02:00, and forward on Sun 28 Mar 2027, 02:00 -> 03:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Input

from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.messages import ChosenTime
from panelist_tui.screens.interview_form import InterviewFormScreen, parse_span

AMSTERDAM = "Europe/Amsterdam"


def test_a_typed_time_the_clocks_skip_is_a_problem_not_another_time() -> None:
    start, end, problems = parse_span("2027-03-28", "02:30", "03:30", AMSTERDAM)
    assert (start, end) == (None, None)
    assert len(problems) == 1
    assert "02:30" in problems[0] and "does not exist" in problems[0]


def test_a_typed_time_in_the_repeated_hour_is_its_first_pass() -> None:
    start, end, problems = parse_span("2026-10-25", "02:30", "03:30", AMSTERDAM)
    assert problems == []
    assert start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first pass
    assert end == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)  # 03:30 CET
    assert end - start == timedelta(hours=2)


def test_an_ordinary_day_reads_as_the_wall_clock_says() -> None:
    start, end, problems = parse_span("2026-12-01", "10:00", "11:00", AMSTERDAM)
    assert problems == []
    assert (start, end) == (
        datetime(2026, 12, 1, 9, tzinfo=UTC),
        datetime(2026, 12, 1, 10, tzinfo=UTC),
    )


@pytest.mark.anyio
async def test_a_chosen_time_in_the_second_pass_keeps_its_instant(workspace: Workspace) -> None:
    """The calendar gives instants; the fields show 02:30 either way, so the form keeps the
    instants until the text is changed."""
    application = workspace.db.execute("SELECT min(id) FROM applications").fetchone()[0]
    second_pass = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, after the change
    app = PanelistApp(workspace)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = InterviewFormScreen(application)
        app.push_screen(screen)
        await pilot.pause()
        assert screen.zone_name == AMSTERDAM
        screen._time_chosen(ChosenTime(second_pass, second_pass + timedelta(minutes=45)))
        await pilot.pause()
        start, end, problems = screen._span()
        assert (start, end) == (second_pass, second_pass + timedelta(minutes=45))
        assert problems == []
        # Once a field is edited, the text is read by the rule: 02:30 is the first pass.
        screen.query_one("#end", Input).value = "03:00"
        start, _, _ = screen._span()
        assert start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
