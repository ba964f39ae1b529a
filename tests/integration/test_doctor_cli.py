"""``panelist doctor`` in core, run as an administrator would (a subprocess) on the Northwind
company on Radicale: core's own lines, the CalDAV plugin's, and a third party's."""

from __future__ import annotations

import subprocess
from pathlib import Path

from caldav_flow_helpers import Company, email
from cli_helpers import run_panelist
from sqlite_utils import Database

from panelist.mail.transport import default_outbox_path
from panelist.models import WorkingHours


def doctor(company: Company, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_panelist(
        "doctor",
        "--db",
        str(company.db_path),
        env={
            "PANELIST_CONFIG": str(tmp_path / "none.toml"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        },
    )


def edit(company: Company, *statements: tuple[str, list[object]]) -> None:
    db = Database(company.db_path)
    for sql, params in statements:
        db.execute(sql, params)
    db.conn.commit()
    db.close()


def test_doctor_lists_cores_lines_then_the_caldav_plugins_then_each_calendars_sync_state(
    company: Company, tmp_path: Path
) -> None:
    result = doctor(company, tmp_path)
    lines = result.stdout.splitlines()
    user, url = company.user, company.server.url

    def calendar(key: str) -> str:
        return f"calendar {key!r} at /{user}/{key}/ (read, write)"

    assert lines[:9] == [
        f"ok    database: {company.db_path} (mode -rw-------)",
        f"ok    mail: written into the Maildir {default_outbox_path(company.db_path)}",
        f"ok    CalDAV settings: server {url} as '{user}', basic auth, timeout 5 s",
        "ok    CalDAV password: found (environment or keyring); not shown",
        "ok    CalDAV server: CalDAV server reached; credentials accepted",
        f"ok    Ana Silva: {calendar('ana')}",  # by owner's name
        f"ok    Rosa Jansen: {calendar('rosa')}",
        f"ok    Sam Lee: {calendar('sam')}",
        f"ok    room Amstel: {calendar('room-amstel')}",
    ]
    never = [line for line in lines[9:-1] if line.endswith(": never synced: run panelist sync")]
    assert len(never) == 5  # Piet's local calendar too: it has no doctor lines of its own
    assert f"WARN  Sam Lee (caldav:{user}/sam/): never synced: run panelist sync" in never
    assert lines[-1] == "5 warnings found."
    assert result.returncode == 0
    assert "not-checked" not in result.stdout  # the password

    synced = run_panelist(
        "sync",
        "--system",
        "--db",
        str(company.db_path),
        env={"PANELIST_CONFIG": str(tmp_path / "none.toml")},
    )
    assert synced.returncode == 0, synced.stderr
    after = doctor(company, tmp_path)
    sam = next(line for line in after.stdout.splitlines() if line.startswith("ok    Sam Lee ("))
    assert sam.startswith(f"ok    Sam Lee (caldav:{user}/sam/): synced ")
    assert after.stdout.splitlines()[-1] == "Panelist is set up correctly."
    assert after.returncode == 0


def test_a_room_calendar_that_is_gone_fails_and_a_stale_copy_says_why(
    company: Company, tmp_path: Path
) -> None:
    edit(company, ("UPDATE rooms SET calendar_id = ? WHERE id = 1", [f"{company.user}/gone/"]))
    run_panelist(
        "sync",
        "--system",
        "--db",
        str(company.db_path),
        env={"PANELIST_CONFIG": str(tmp_path / "none.toml")},
    )
    result = doctor(company, tmp_path)
    where = f"CalDAV server http://127.0.0.1:{company.server.port}"
    assert f"FAIL  room Amstel: no calendar at /{company.user}/gone/ on {where} (HTTP 404)" in (
        result.stdout.splitlines()
    )
    stale = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(f"WARN  room Amstel (caldav:{company.user}/gone/): ")
    ]
    assert len(stale) == 1 and "cached copy stale since " in stale[0], result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 problem and ")
    assert result.returncode == 1


def test_a_third_party_providers_check_lines_appear_named_after_the_owners(
    company: Company, tmp_path: Path
) -> None:
    edit(
        company,
        (
            "INSERT INTO employees (email, name, timezone, working_hours, calendar_provider,"
            " calendar_id) VALUES (?, ?, ?, ?, 'example', 'x-cal')",
            [email("xena"), "Xena Example", "Europe/Amsterdam", WorkingHours.office().to_json()],
        ),
        (
            "INSERT INTO provider_settings (provider, key, value) VALUES ('jitsi', 'base_url', ?)",
            ["http://meet.northwind.example"],
        ),
    )
    result = doctor(company, tmp_path)
    lines = result.stdout.splitlines()
    assert "WARN  Example Calendar store: events are kept in memory: they are gone at exit" in lines
    assert "ok    Xena Example: 0 events in memory" in lines
    assert (
        "WARN  Jitsi Meet server: http://meet.northwind.example is not https: use an https:// URL"
    ) in lines
    assert result.returncode == 0, result.stdout


def test_doctor_without_a_database(tmp_path: Path) -> None:
    result = run_panelist(
        "doctor",
        "--db",
        str(tmp_path / "nowhere.db"),
        env={"PANELIST_CONFIG": str(tmp_path / "none.toml")},
    )
    assert result.returncode == 1
    assert result.stderr == f"Error: no Panelist database at {tmp_path / 'nowhere.db'}\n"
    assert not (tmp_path / "nowhere.db").exists()
