"""`panelist audit [--since] [--json]` run as a person would, in a subprocess on the real
clock (and again under faketime): Admins read the log, others get one refusal line."""

from __future__ import annotations

import getpass
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cli_helpers import run_panelist

RECRUITER = "rosa.jansen@example.com"
Admin = tuple[str, int]


def panelist(*args: str) -> subprocess.CompletedProcess[str]:
    return run_panelist(*args, unset={"PANELIST_USER"})


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def company(live_demo_db_file: Path, tmp_path: Path) -> tuple[Path, Admin]:
    """A copy of the demo built at the real now, and one of its Admins (email, id)."""
    path = tmp_path / "panelist.db"
    shutil.copyfile(live_demo_db_file, path)
    with sqlite3.connect(path) as conn:
        admin = conn.execute(
            "SELECT e.email, e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
            " WHERE r.name = 'Admin' ORDER BY e.id LIMIT 1"
        ).fetchone()
    conn.close()
    return path, (admin[0], admin[1])


def test_an_admin_reads_who_did_what(company: tuple[Path, Admin], tmp_path: Path) -> None:
    db, (admin, admin_id) = company
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("name,capacity\nAttic,4\n", encoding="utf-8")
    done = panelist("import", "rooms", str(rooms), "--db", str(db), "--as", admin)
    assert done.returncode == 0, done.stderr

    done = panelist("audit", "--db", str(db), "--as", admin)
    assert done.returncode == 0, done.stderr
    switch, *older = done.stdout.splitlines()  # newest first: this very command's --as
    assert switch.endswith(
        f"identity switch  employee {admin_id} ({admin})  via --as, from OS account {getpass.getuser()!r}"
    )
    assert any(
        line.endswith(
            f"{admin} (employee {admin_id})  import  rooms from rooms.csv  1 created, 0 updated"
        )
        for line in older
    )

    done = panelist("audit", "--since", "1h", "--json", "--db", str(db), "--as", admin)
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert len(entries) == 4  # two commands before this one, each with its --as
    assert [entry["action"] for entry in entries].count("identity switch") == 3
    (imported,) = [entry for entry in entries if entry["action"] == "import"]
    assert (imported["actor"], imported["actor_email"]) == (admin_id, admin)

    done = panelist("audit", "--since", "2999-01-01", "--db", str(db), "--as", admin)
    assert done.returncode == 0 and done.stdout == ""


def test_a_non_admin_gets_one_refusal_line(company: tuple[Path, Admin]) -> None:
    db, _ = company
    done = panelist("audit", "--db", str(db), "--as", RECRUITER)
    assert one_line_error(done) == ("Error: your recruiting role does not allow this (configure)")


def test_a_bad_since_is_one_line(company: tuple[Path, Admin]) -> None:
    db, (admin, _) = company
    done = panelist("audit", "--since", "last tuesday", "--db", str(db), "--as", admin)
    assert one_line_error(done) == (
        "Error: since 'last tuesday': expected a date (2026-12-01), a time (2026-12-01T09:00)"
        " or a duration back from now (30m, 12h, 7d, 2w)"
    )
