"""Nothing in the app touches the host beyond the app: over SSH this process is the service
account's, so no screenshot file, no browser, no stopping itself (Textual offers each)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from terminal_helpers import terminal_env, terminal_running

from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp

pytestmark = pytest.mark.anyio

# The app, as the command opens it, asked for an action by name (as markup could) once shown.
SUSPENDING_APP = """
import sys
from panelist.workspace import open_workspace
from panelist_tui.app import PanelistApp

async def ask(pilot):
    await pilot.pause(0.5)
    await pilot.app.run_action("suspend_process")

PanelistApp(open_workspace(sys.argv[1], "rosa.jansen@example.com")).run(auto_pilot=ask)
"""


async def test_the_palette_offers_no_screenshot(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=(80, 24)):
        offered = {command.title for command in app.get_system_commands(app.screen)}
    assert "Screenshot" not in offered
    assert {"Theme", "Quit", "Keys"} <= offered


async def test_a_screenshot_action_writes_no_file(workspace: Workspace, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    app = PanelistApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action(f"screenshot('shot.svg', {str(shots)!r})")
        await pilot.pause(0.5)  # Textual saves in a thread
    assert list(shots.iterdir()) == []


async def test_a_link_is_shown_not_opened(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_url("https://meet.example.org/interview-7")
        await pilot.pause()
        shown = [n.message for n in app._notifications]
    assert shown == ["https://meet.example.org/interview-7"]


def test_suspending_leaves_the_app_running(live_demo_workspace: Workspace, tmp_path: Path) -> None:
    """A real terminal: Textual's suspend would SIGSTOP the process, and a forced-command
    session has no shell to resume it. Ctrl+Z is only a key to the app (raw mode)."""
    live_demo_workspace.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    command = shlex.join([sys.executable, "-c", SUSPENDING_APP, str(live_demo_workspace.db_path)])
    with terminal_running(command, terminal_env(tmp_path)) as terminal:
        terminal.wait_for("Rosa Jansen")
        terminal.keys("C-z")
        terminal.keys("F1")  # still answering: the help screen opens
        terminal.wait_for("Keys", timeout=10)
        terminal.keys("q")
