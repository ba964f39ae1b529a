"""``panelist sync`` as cron and the host run it: a real subprocess, a real Radicale, the
Northwind company (caldav_flow_helpers) whose people and room keep their calendars there."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from caldav_flow_helpers import PASSWORD, Company, email
from cli_helpers import run_panelist
from sqlite_utils import Database
from terminal_helpers import terminal_env, terminal_running

from panelist.services.directory import set_setting

OWNERS = ("Piet van Dijk", "Rosa Jansen", "Sam Lee", "Ana Silva", "room Amstel")


def environment(tmp_path: Path) -> dict[str, str]:
    """No config file of whoever runs the tests, and never their keyring."""
    return {
        "PANELIST_CONFIG": str(tmp_path / "none.toml"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }


def sync(company: Company, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_panelist(
        "sync", "--system", "--db", str(company.db_path), *args, env=environment(tmp_path)
    )


def put_event(company: Company, key: str, uid: str, start: datetime) -> None:
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other app//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\n"
        f"SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    status = company.server.put_ics(company.user, company.calendar_id(key), f"{uid}.ics", ics)
    assert status == 201


def cached_uids(company: Company, key: str) -> set[str]:
    db = Database(company.db_path)
    try:
        rows = db.execute(
            "SELECT uid FROM calendar_objects WHERE provider = 'caldav' AND calendar_id = ?",
            [company.calendar_id(key)],
        ).fetchall()
    finally:
        db.close()
    return {uid for (uid,) in rows}


def test_sync_fills_the_cache_from_radicale_and_a_second_run_has_nothing_to_do(
    company: Company, tmp_path: Path
) -> None:
    tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    put_event(company, "sam", "dentist-1", tomorrow)
    put_event(company, "sam", "dentist-2", tomorrow + timedelta(days=1))
    put_event(company, "room-amstel", "booked-1", tomorrow)

    first = sync(company, tmp_path)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert len(lines) == len(OWNERS) + 1  # one line per calendar (not a terminal), a summary
    for owner in OWNERS:
        assert any(line.startswith(f"ok   {owner} (") for line in lines), lines
    assert f"ok   Sam Lee (caldav:{company.calendar_id('sam')}): " in first.stdout
    assert lines[-1] == "5 calendars synced, 3 changes"
    assert first.stderr == ""
    assert cached_uids(company, "sam") == {"dentist-1", "dentist-2"}
    assert cached_uids(company, "room-amstel") == {"booked-1"}

    second = sync(company, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "5 calendars synced, no changes"
    assert all(", 0 changed, 0 deleted" in line for line in second.stdout.splitlines()[:-1])

    again = sync(company, tmp_path, "--full", "--calendar", email("sam"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"ok   Sam Lee (caldav:{company.calendar_id('sam')}): full, ")
    assert cached_uids(company, "sam") == {"dentist-1", "dentist-2"}


def test_one_calendar_by_email_room_name_or_key_and_a_key_that_names_nothing(
    company: Company, tmp_path: Path
) -> None:
    by_email = sync(company, tmp_path, "--calendar", email("SAM"))
    assert by_email.returncode == 0, by_email.stderr
    assert by_email.stdout.splitlines()[-1] == "1 calendar synced, no changes"
    assert by_email.stdout.startswith("ok   Sam Lee (")

    both = sync(
        company,
        tmp_path,
        "--calendar",
        "amstel",
        "--calendar",
        f"caldav:{company.calendar_id('ana')}",
    )
    assert both.returncode == 0, both.stderr
    assert both.stdout.splitlines()[-1] == "2 calendars synced, no changes"

    unknown = sync(company, tmp_path, "--calendar", "nobody@northwind.example")
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert unknown.stderr == (
        "panelist: --calendar 'nobody@northwind.example': no mapped calendar, employee email "
        "or room by that name (give provider:calendar_id, an email or a room name)\n"
    )
    assert cached_uids(company, "ana") == set()  # nothing else was synced either


def test_a_calendar_that_fails_is_named_with_its_reason_and_the_others_still_sync(
    company: Company, tmp_path: Path
) -> None:
    put_event(company, "ana", "ana-1", datetime.now(UTC) + timedelta(days=2))
    db = Database(company.db_path)
    db.execute("UPDATE rooms SET calendar_id = ? WHERE name = 'Amstel'", [f"{company.user}/gone/"])
    db.conn.commit()
    db.close()

    result = sync(company, tmp_path)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1
    assert failed[0].startswith(f"FAIL room Amstel (caldav:{company.user}/gone/): ")
    assert result.stdout.splitlines()[-1] == "4 calendars synced, 1 change, 1 failed"
    (complaint,) = result.stderr.splitlines()
    assert complaint.startswith("panelist: room Amstel's calendar was not synced: ")
    assert "Traceback" not in result.stderr
    assert cached_uids(company, "ana") == {"ana-1"}


def test_watch_syncs_every_interval_and_stops_cleanly_on_sigterm(
    company: Company, tmp_path: Path
) -> None:
    db = Database(company.db_path)
    set_setting(db, "calendar_freshness_seconds", 1)
    db.conn.commit()
    db.close()
    command = [sys.executable, "-m", "panelist", "sync", "--watch", "--system"]
    watcher = subprocess.Popen(
        [*command, "--db", str(company.db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(tmp_path),
    )
    try:
        assert watcher.stdout is not None
        first = _next_summary(watcher)
        assert first == "5 calendars synced, no changes"
        put_event(company, "sam", "late-1", datetime.now(UTC) + timedelta(days=3))
        while (summary := _next_summary(watcher)) == "5 calendars synced, no changes":
            pass  # a round may have started before the event was put
        assert summary == "5 calendars synced, 1 change"
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert watcher.returncode == 0, err
    assert out.splitlines()[-1] == "panelist sync: stopped"
    assert err == ""
    assert cached_uids(company, "sam") == {"late-1"}


def test_on_a_terminal_a_progress_bar_counts_the_calendars_and_failures_print_above_it(
    company: Company, tmp_path: Path
) -> None:
    db = Database(company.db_path)
    db.execute("UPDATE rooms SET calendar_id = ? WHERE id = 1", [f"{company.user}/gone/"])
    db.conn.commit()
    db.close()
    command = [sys.executable, "-m", "panelist", "sync", "--system", "--db", str(company.db_path)]
    env = terminal_env(tmp_path) | environment(tmp_path)
    env["PANELIST_CALDAV_PASSWORD"] = PASSWORD
    with terminal_running(f"{shlex.join(command)}; echo exit=$?", env) as terminal:
        terminal.wait_for("exit=")
        # All of it (wrapped lines joined): the first line may have scrolled off the pane.
        screen = terminal.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", terminal.name)
    assert "exit=1" in screen
    assert f"FAIL room Amstel (caldav:{company.user}/gone/): " in screen
    assert "Syncing calendars" in screen and "5/5" in screen
    assert "4 calendars synced, no changes, 1 failed" in screen
    assert "Traceback" not in screen


def _environ(tmp_path: Path) -> dict[str, str]:
    import os

    return os.environ | environment(tmp_path)


def _next_summary(process: subprocess.Popen[str], timeout: float = 60) -> str:
    """The next round's summary line; the calendars' own lines (changes only) are skipped."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(
                f"sync --watch ended: {process.stderr.read() if process.stderr else ''}"
            )
        if " calendars synced" in line or " calendar synced" in line:
            return line.rstrip("\n")
    raise AssertionError("no round finished in time")
