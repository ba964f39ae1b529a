"""The installed ``panelist`` command in a real terminal (tmux), driven as a person on an
SSH terminal would: open an application, see its interviews, open help, quit; and book
an interview from the first key to the last.

Runs with TERM=xterm-256color and TERM=screen (16 colours, as tmux's own default).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from terminal_helpers import Terminal, terminal_env, terminal_running

from panelist.models import ApplicationSummary
from panelist.scheduling import load_interview
from panelist.services.applications import list_applications
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace

PANELIST = Path(sys.executable).with_name("panelist")
CHOSEN_TYPE = re.compile(r"Type\s+Technical interview")
"""The form's row with the type chosen: the open list shows the names without "Type"."""


@pytest.fixture
def workspace(live_demo_workspace: Workspace) -> Workspace:
    """The demo built at the real now: the command in the terminal runs on the real clock."""
    return live_demo_workspace


@pytest.fixture
def demo_db(workspace: Workspace, tmp_path: Path) -> Path:
    """The demo database as a file the command opens (the workspace holds a copy)."""
    workspace.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return workspace.db_path


@pytest.fixture(params=["xterm-256color", "screen"])
def terminal(request: pytest.FixtureRequest, demo_db: Path, tmp_path: Path) -> Iterator[Terminal]:
    assert PANELIST.exists(), f"the panelist command is not installed next to {sys.executable}"
    term: str = request.param
    command = f"{PANELIST} --db {demo_db} --as rosa.jansen@example.com"
    with terminal_running(command, terminal_env(tmp_path, term), term) as terminal:
        yield terminal


def test_open_an_application_see_its_interviews_help_and_quit(
    terminal: Terminal, target: ApplicationSummary
) -> None:
    shown = terminal.wait_for("Northwind Labs")
    assert "Rosa Jansen" in shown
    assert "applications" in shown

    # Search the candidate, down into the list, Enter.
    terminal.keys("/")
    terminal.text(target.candidate_name)
    terminal.wait_for(lambda s: "1 application" in s)
    terminal.keys("Down", "Enter")
    shown = terminal.wait_for(
        lambda s: (
            f"Interviews ({target.interview_count})" in s
            and all(key in s for key in ("New", "Edit", "Cancel", "Mail"))
        )  # the footer's keys
    )
    assert target.candidate_name in shown and target.job_title in shown
    assert "Scheduled" in shown and "organiser" in shown

    # The form opens by keyboard and goes back with Escape.
    terminal.keys("n")
    shown = terminal.wait_for("New interview")
    assert "Participants" in shown and "Invite interviewers" in shown
    terminal.keys("Escape")
    terminal.wait_for(f"Interviews ({target.interview_count})")

    # Help, then close it.
    terminal.keys("F1")
    shown = terminal.wait_for("Keys")
    assert "New interview" in shown and "Cancel the interview" in shown
    terminal.keys("Escape")
    terminal.wait_for(lambda s: "Esc closes" not in s)

    # Quit: the program ends and leaves the terminal as it found it.
    terminal.keys("q")
    shown = terminal.wait_for(lambda s: "Pane is dead" in s or "Northwind Labs" not in s)
    assert "Traceback" not in shown


SUGGESTION = re.compile(r"> 2 (\w{3} \d{2} \w{3}) (\d{2}:\d{2})\S(\d{2}:\d{2})")
"""The highlighted second suggestion: "> 2 Fri 27 Nov 14:45–16:15 · …"."""


@pytest.mark.parametrize("terminal", ["xterm-256color"], indirect=True)
def test_book_an_interview_by_keyboard(
    terminal: Terminal, workspace: Workspace, own_application: ApplicationSummary
) -> None:
    """New interview → type → an interviewer → Find a time → the 2nd suggestion → Invite,
    every step a key, and the booking is in the database afterwards."""
    types = [t.name for t in form_choices(workspace, own_application.id).types]
    before = interview_ids(workspace, own_application.id)
    terminal.wait_for("Northwind Labs")
    terminal.keys("/")
    terminal.text(own_application.candidate_name)
    terminal.wait_for(lambda s: "1 application" in s)
    terminal.keys("Down", "Enter")
    terminal.wait_for("Interviews (")
    terminal.keys("n")
    terminal.wait_for("New interview")

    # The type list opens on its prompt; one Down per type up to "Technical interview". Keys
    # wait for the list to show: typed ahead, they reach the closed Select on a slow machine.
    terminal.keys("Enter")
    terminal.wait_for(lambda s: sum(name in s for name in types) > 1)
    terminal.keys(*["Down"] * (types.index("Technical interview") + 1), "Enter")
    terminal.wait_for(lambda s: CHOSEN_TYPE.search(s) is not None and "Video" in s)
    # Textual's Select gives the focus back by a message after the list closes: a Tab typed
    # before that message is handled moves on from the closed list, and the focus then
    # jumps back (seen on a loaded machine). Let the frame after the choice pass first.
    time.sleep(0.5)
    terminal.keys("Tab", "Tab")
    terminal.text("Pieter")
    terminal.wait_for("pieter.vandijk@example.com")
    terminal.keys("Enter")
    terminal.wait_for(lambda s: "Pieter van Dijk" in s and "Interviewer" in s)

    terminal.keys("C-f")
    terminal.wait_for("Suggestions (n/p)")
    terminal.keys("n", "n")
    chosen = SUGGESTION.search(terminal.wait_for("Suggestion 2/"))
    assert chosen is not None, "the second suggestion is highlighted"
    day, start, end = chosen.groups()
    terminal.keys("Enter")
    terminal.wait_for(lambda s: start in s and "Invite interviewers" in s)
    terminal.keys("C-s")
    terminal.wait_for("Invited:")

    booked = set(interview_ids(workspace, own_application.id)) - set(before)
    assert len(booked) == 1
    record = load_interview(workspace, booked.pop())
    local = record.start.astimezone(ZoneInfo(record.timezone))
    assert (f"{local:%a %d %b}", f"{local:%H:%M}") == (day, start)
    assert f"{record.end.astimezone(ZoneInfo(record.timezone)):%H:%M}" == end
    assert [p.employee.email for p in record.participants] == ["pieter.vandijk@example.com"]
    terminal.keys("q")


def interview_ids(workspace: Workspace, application_id: int) -> list[int]:
    rows = workspace.db.execute(
        "SELECT id FROM interviews WHERE application_id = ?", [application_id]
    ).fetchall()
    return [interview_id for (interview_id,) in rows]


HOSTILE_NAME = "Mallory\x1b]0;pwned\x1b\\\x1b]52;c;cHc=\x1b\\"
"""Printed raw, sets the terminal's title (OSC 0) and its clipboard (OSC 52). Each ends in ST
(ESC \\), not BEL, which Rich already removes; short enough for the list's name column."""


@pytest.fixture
def hostile_candidate(workspace: Workspace) -> ApplicationSummary:
    """The first listed application, its candidate renamed in the database itself (as an older
    database or a remote sync would hold it: no import or form refused it)."""
    first = list_applications(workspace)[0]
    workspace.db.execute(
        "UPDATE candidates SET name = ?"
        " WHERE id = (SELECT candidate_id FROM applications WHERE id = ?)",
        [HOSTILE_NAME, first.id],
    )
    workspace.db.conn.commit()
    return first


@pytest.mark.parametrize("terminal", ["xterm-256color"], indirect=True)
def test_a_name_with_terminal_escapes_shows_as_plain_text(
    hostile_candidate: ApplicationSummary, terminal: Terminal
) -> None:
    # With set-clipboard on, tmux takes an OSC 52 into a paste buffer (none yet: a new server).
    terminal.tmux("set-option", "-s", "set-clipboard", "on")

    shown = terminal.wait_for("Mallory")
    assert "Mallory]0;pwned\\]52;c;cHc=\\" in shown  # the escapes' text, shown as text
    terminal.keys("/")
    terminal.text("Mallory")
    terminal.wait_for("1 application")
    terminal.keys("Down", "Enter")
    shown = terminal.wait_for("Interviews (")
    assert "Mallory]0;pwned" in shown

    assert "pwned" not in terminal.tmux(
        "display-message", "-p", "-t", terminal.name, "#{pane_title}"
    )
    assert terminal.tmux("list-buffers") == ""
    terminal.keys("q")
