"""The home screen's Status pane: the user's upcoming interviews, attendee answers, notices."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Awaitable, Callable

import pytest
from test_snapshots import SnapCompare, settle
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from panelist.scheduling.notices import add_notice, mark_notice_read
from panelist.services.interviews import upcoming_interviews
from panelist.services.notices import list_notices
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.formatting import time_span
from panelist_tui.glyphs import ASCII, UNICODE
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.widgets.application_table import ApplicationTable

WIDE = (160, 48)
NARROW = (80, 24)


def home(app: PanelistApp) -> ApplicationsScreen:
    screen = app.screen
    assert isinstance(screen, ApplicationsScreen)
    return screen


def listed(app: PanelistApp) -> list[tuple[int, str]]:
    """(interview id, text) of each interview the pane lists, in order."""
    options = home(app).status_pane.interview_list.options
    return [(int(str(o.id)), str(o.prompt)) for o in options]


def notices_text(app: PanelistApp) -> str:
    pane = home(app).status_pane
    title = str(pane.query_one("#status-notices-title", Static).content)
    return title + "\n" + str(pane.query_one("#status-notices", Static).content)


def add_notices(ws: Workspace, *messages: str) -> None:
    """As the scheduling service does: in a transaction, committed for the app to read."""
    interview_id = upcoming_interviews(ws)[0].id
    with ws.db.conn:
        for n, message in enumerate(messages):
            add_notice(ws.db, ws.user.id, interview_id, f"test-{n}", message, ws.clock.now())


@pytest.mark.anyio
@pytest.mark.parametrize("ascii", [False, True])
async def test_the_pane_lists_the_users_interviews_with_answers(
    workspace: Workspace, ascii: bool
) -> None:
    expected = upcoming_interviews(workspace)
    assert expected, "the demo gives Rosa interviews ahead"
    glyphs = ASCII if ascii else UNICODE
    now, zone = workspace.clock.now(), workspace.user.timezone
    app = PanelistApp(workspace, ascii=ascii)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert home(app).status_pane.display
        shown = listed(app)
        assert [interview_id for interview_id, _ in shown] == [i.id for i in expected]
        for (_, text), interview in zip(shown, expected, strict=True):
            # In the user's own zone, named once in the title, so every line fits the pane.
            when = time_span(interview.start, interview.end, zone, now, glyphs, named=False)
            assert text.splitlines()[0] == when
            assert interview.candidate_name in text and interview.type_name in text
            for person in interview.participants:
                answer = f"{glyphs.response(person.response)} {person.response.label}"
                assert any(
                    person.name[:10] in line and answer in line for line in text.splitlines()
                )
        title = str(home(app).query_one("#status-interviews-title", Static).content)
        assert title.endswith(f"{glyphs.separator} {len(expected)} {glyphs.separator} {zone}")


@pytest.mark.anyio
async def test_no_interviews_ahead_says_so(workspace: Workspace) -> None:
    with workspace.db.conn:
        workspace.db.execute("UPDATE interviews SET status = 'cancelled'")
    app = PanelistApp(workspace)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = home(app).status_pane
        assert listed(app) == []
        assert pane.query_one("#status-no-interviews").display
        assert not pane.interview_list.display
        assert "No notices" in notices_text(app)


@pytest.mark.anyio
async def test_a_notice_added_shows_after_a_refresh_newest_first(
    workspace: Workspace,
) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert "No notices" in notices_text(app)
        add_notices(
            workspace,
            "Ana Visser declined the interview with Bo (Mon 23 Nov 15:00)",
            "Sam Berg declined the interview with Ana (Tue 24 Nov 10:00)",
        )
        with workspace.db.conn:
            mark_notice_read(workspace, list_notices(workspace)[-1].id)
        await pilot.press("f5")
        await pilot.pause()
        text = notices_text(app)
        assert "Sam Berg declined the interview with Ana (Tue 24 Nov 10:00)" in text
        assert "1 new" in text
        assert [n.message for n in list_notices(workspace, unread_only=False)] == [
            line.split(" ", 1)[1] for line in text.splitlines()[1:]
        ]


@pytest.mark.anyio
async def test_the_duties_round_refreshes_the_pane_and_keeps_the_toasts(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import panelist.scheduling.duties as duties

    async def no_provider_calls(*_args: object) -> duties.DutiesReport:
        return duties.DutiesReport()

    monkeypatch.setattr(duties, "run_open_app_duties", no_provider_calls)
    app = PanelistApp(workspace)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        add_notices(workspace, "Lee Chan declined the interview with Bo (Wed 25 Nov 11:30)")
        app.run_duties()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("Lee Chan declined" in n.message for n in app._notifications)
        text = notices_text(app)
        assert "Lee Chan declined the interview with Bo" in text
        assert "new" not in text.splitlines()[0]  # the toast has shown it: read now


@pytest.mark.anyio
async def test_the_pane_follows_the_width_and_u_toggles_it(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.pause()
        pane = home(app).status_pane
        assert not pane.display
        await pilot.press("u")
        await pilot.pause()
        assert pane.display
        assert [interview_id for interview_id, _ in listed(app)] == [
            i.id for i in upcoming_interviews(workspace)
        ]
        await pilot.press("u")
        await pilot.pause()
        assert not pane.display
    # The terminal widened: the pane follows the width only until the user chooses.
    app = PanelistApp(workspace)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.pause()
        pane = home(app).status_pane
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert pane.display
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert not pane.display
        await pilot.press("u")
        await pilot.resize_terminal(*WIDE)
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert pane.display
    app = PanelistApp(workspace)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = home(app).status_pane
        assert pane.display
        pane.interview_list.focus()
        await pilot.press("u")
        await pilot.pause()
        assert not pane.display
        assert app.focused is home(app).table  # focus never stays on a hidden pane


@pytest.mark.anyio
async def test_tab_reaches_the_pane_and_enter_opens_the_application(
    workspace: Workspace,
) -> None:
    expected = upcoming_interviews(workspace)
    app = PanelistApp(workspace)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app.focused is home(app).table
        await pilot.press("tab")
        assert app.focused is home(app).status_pane.interview_list
        await pilot.press("down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplicationScreen)
        assert screen.application.id == expected[1].application_id
        # Back home, the pane keeps its place.
        await pilot.press("escape")
        await pilot.pause()
        assert home(app).status_pane.interview_list.highlighted == 1


@pytest.mark.anyio
async def test_u_and_the_pane_are_in_the_footer_and_the_help(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        footer = {(k.key, k.description) for k in app.screen.query(FooterKey)}
        assert ("u", "Upcoming") in footer
        await pilot.press("f1")
        await pilot.pause()
        help_text = str(app.screen.query_one("#help-keys", Static).content)
        assert "Your interviews and notices: show/hide" in help_text


# --------------------------------------------------------------------------- pictures


def toggled(pilot_keys: list[str]) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*pilot_keys)
        await settle(pilot)

    return run_before


def test_home_with_the_pane_160x48(snap_compare: SnapCompare, workspace: Workspace) -> None:
    add_notices(workspace, "Sam Berg declined the interview with Ana (Tue 24 Nov 10:00)")
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=WIDE, run_before=settle)


def test_home_with_the_pane_toggled_on_80x24(
    snap_compare: SnapCompare, workspace: Workspace
) -> None:
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=NARROW, run_before=toggled(["u"]))


# --------------------------------------------------------------------------- start-up

FIRST_SCREEN = """
import asyncio, sys
from datetime import datetime
from pathlib import Path
from panelist.clock import FrozenClock
from panelist.plugins import build_registry
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp

path, email, now = Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])
registry = build_registry()
db = open_database(path, registry.migrations)
ws = Workspace(db, path, registry, FrozenClock(now), find_employee_by_email(db, email))

async def main():
    app = PanelistApp(ws)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        print(len(app.screen.status_pane.interviews), "panelist.scheduling" in sys.modules)

asyncio.run(main())
"""


def test_the_first_screen_reads_the_pane_without_importing_scheduling(
    workspace: Workspace,
) -> None:
    """Scheduling pulls in icalendar (~0.1 s): the first frame must not wait for it."""
    args = [str(workspace.db_path), workspace.user.email, workspace.clock.now().isoformat()]
    result = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == [str(len(upcoming_interviews(workspace))), "False"]


@pytest.mark.anyio
@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["160x48", "80x24"])
async def test_the_list_is_built_once_at_the_width_it_gets(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Built before the first layout, at the width left beside the pane: the first frame
    shows the rows, and the first Resize finds nothing to redo."""
    builds: list[int] = []
    rebuild = ApplicationTable._rebuild

    def counted(table: ApplicationTable, keep: int | None) -> None:
        builds.append(table.size.width)
        rebuild(table, keep)

    monkeypatch.setattr(ApplicationTable, "_rebuild", counted)
    app = PanelistApp(workspace)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = home(app).table
        assert builds == [0], "built once, before the first layout"
        assert table.row_count == len(home(app).applications) > 0
        used = sum(column.width + 2 for column in table.columns.values()) + 2
        assert used == table.size.width
