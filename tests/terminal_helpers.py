"""A real terminal for tests: tmux on its own server socket, driven key by key.

Shared by the terminal tests (tests/tui/test_tmux.py) and the SSH tests
(tests/integration/test_ssh.py), which type into `ssh` as a recruiter would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

TMUX = shutil.which("tmux") or "/usr/bin/tmux"
WIDTH, HEIGHT = 100, 30
TIMEOUT = 30.0


class Terminal:
    """One detached tmux session on its own server socket (never the user's tmux)."""

    def __init__(self, socket: Path, name: str) -> None:
        self.socket = socket
        self.name = name

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            [TMUX, "-S", str(self.socket), *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.name, key)
            time.sleep(0.1)

    def text(self, literal: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", literal)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, wanted: str | Callable[[str], bool], timeout: float = TIMEOUT) -> str:
        """The captured screen once it shows `wanted`; fails with the last picture."""
        check = wanted if callable(wanted) else (lambda text: wanted in text)
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if check(shown):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"waited {timeout}s for {wanted!r}; the screen shows:\n{shown}")

    def alive(self) -> bool:
        done = subprocess.run(
            [TMUX, "-S", str(self.socket), "has-session", "-t", self.name],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        return done.returncode == 0


def terminal_env(home: Path, term: str = "xterm-256color") -> dict[str, str]:
    """This process's environment without tmux's, Panelist's or Textual's own variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TMUX", "PANELIST_", "TEXTUAL"))
    }
    return env | {"TERM": term, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(home)}


@contextmanager
def terminal_running(
    command: str, env: dict[str, str], term: str = "xterm-256color"
) -> Iterator[Terminal]:
    """`command` in a detached tmux session of its own (WIDTH x HEIGHT), killed at the end;
    the pane stays after the command exits, so its last words can be read."""
    assert Path(TMUX).exists(), "tmux is needed for these tests (apt-get install tmux)"
    # A short socket path: AF_UNIX paths are limited to about 100 bytes.
    socket = Path("/tmp") / f"panelist-tmux-{uuid.uuid4().hex[:12]}"
    name = "panelist"
    subprocess.run(
        [TMUX, "-S", str(socket), "-f", "/dev/null", "new-session", "-d",
         "-x", str(WIDTH), "-y", str(HEIGHT), "-s", name, "-e", f"TERM={term}", command],
        env=env, check=True, timeout=TIMEOUT,
    )  # fmt: skip
    terminal = Terminal(socket, name)
    try:
        terminal.tmux("set-option", "-t", name, "remain-on-exit", "on")
        yield terminal
    finally:
        subprocess.run(
            [TMUX, "-S", str(socket), "kill-server"], capture_output=True, check=False, timeout=30
        )
        socket.unlink(missing_ok=True)
