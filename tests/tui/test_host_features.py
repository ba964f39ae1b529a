"""Nothing in the app touches the host beyond the app: over SSH this process is the service
account's, so no screenshot file, no browser, no stopping itself (Textual offers each)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from terminal_helpers import terminal_env

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
    """On a terminal of its own, as sshd gives a session (no tmux to send SIGCONT): Textual's
    suspend would SIGSTOP the process, and a forced command has no shell to resume it."""
    live_demo_workspace.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    command = [sys.executable, "-c", SUSPENDING_APP, str(live_demo_workspace.db_path)]
    with app_on_a_terminal(command, terminal_env(tmp_path)) as (app, screen):
        deadline = time.monotonic() + 30
        while b"Rosa Jansen" not in bytes(screen) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert b"Rosa Jansen" in bytes(screen), bytes(screen)[-2000:]
        time.sleep(2)  # the action runs half a second after start
        assert process_state(app.pid) != "T", "the app stopped itself"
        assert app.poll() is None


def process_state(pid: int) -> str:
    """R, S, T (stopped)... from /proc/PID/stat."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@contextmanager
def app_on_a_terminal(
    command: list[str], env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], bytearray]]:
    """`command` in a new session on a fresh pseudo-terminal (100x30); what it draws is
    collected in the bytearray. Killed at the end."""
    main_end, app_end = os.openpty()
    fcntl.ioctl(app_end, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    app = subprocess.Popen(
        command, stdin=app_end, stdout=app_end, stderr=app_end, env=env, start_new_session=True
    )
    os.close(app_end)
    screen = bytearray()

    def drain() -> None:  # a full terminal buffer would block the app
        with contextlib.suppress(OSError):
            while chunk := os.read(main_end, 65536):
                screen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield app, screen
    finally:
        app.kill()
        app.wait(timeout=30)
        os.close(main_end)
        reader.join(timeout=5)
