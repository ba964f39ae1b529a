"""No control character from data reaches the terminal (tests/tui/test_tmux.py shows it in
a real one): the calendar grid draws raw segments, so it cleans them itself."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from grid_helpers import GridApp, utc, week_of
from rich.text import Text
from textual.content import Content

from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.widgets.calendar_grid import CalendarGrid

pytestmark = pytest.mark.anyio

HOSTILE = "Sync\x1b]0;pwned\x07\x1b]52;c;cHc=\x1b\\\x9b2J\u202e"
MONDAY = date(2026, 11, 23)


def controls(text: str) -> list[str]:
    return [char for char in text if unicodedata.category(char) == "Cc" or char == "\u202e"]


async def test_a_remote_event_title_is_drawn_without_its_escapes() -> None:
    async with GridApp(utc(MONDAY, 9)).run_test(size=(100, 40)) as pilot:
        grid = pilot.app.query_one(CalendarGrid)
        grid.show(week_of(MONDAY, [(utc(MONDAY, 9), utc(MONDAY, 11), HOSTILE)]))
        drawn = "\n".join(grid.render_line(y).text for y in range(grid.size.height))
    assert "Sync]0;" in drawn
    assert controls(drawn.replace("\n", "")) == []


def test_the_app_makes_textual_and_rich_clean_every_text(workspace: Workspace) -> None:
    PanelistApp(workspace)
    assert Content(HOSTILE).plain == Text(HOSTILE).plain == "Sync]0;pwned]52;c;cHc=\\2J"
