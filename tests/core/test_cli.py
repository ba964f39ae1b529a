"""The installed command line, run as a person would: in a subprocess."""

import getpass
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import run_panelist as panelist


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "employees",
                "rooms",
                "jobs",
                "applications",
                "interviews",
                "local_events",
            )
        }


def test_demo_creates_then_resets_the_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    done = panelist("demo", "--no-tui", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert f"Demo company written to {db}" in done.stdout
    first = counts(db)
    assert first["employees"] >= 40 and first["rooms"] >= 6 and first["jobs"] >= 8
    assert first["applications"] >= 60 and first["local_events"] > 1000
    # reset: the same company again, not a second copy beside the first
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM interviews WHERE status = 'cancelled'")
    assert panelist("demo", "--no-tui", "--db", str(db)).returncode == 0
    assert counts(db) == first
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".panelist-demo-")]


def test_demo_refuses_to_replace_a_real_company(tmp_path: Path) -> None:
    db = tmp_path / "company.db"
    staff = tmp_path / "staff.csv"
    staff.write_text("email,name,timezone\nceo@example.com,Chief,Europe/Amsterdam\n")
    assert panelist("import", "employees", str(staff), "--db", str(db)).returncode == 0
    done = panelist("demo", "--no-tui", "--db", str(db))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error: {db} holds a company that is not the demo; use --force to replace it"
    )
    assert counts(db)["employees"] == 1
    assert panelist("demo", "--no-tui", "--force", "--db", str(db)).returncode == 0
    assert counts(db)["employees"] >= 40


def test_database_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    assert panelist("demo", "--no-tui", env={"PANELIST_DB": str(db)}).returncode == 0
    assert counts(db)["employees"] >= 40


@pytest.mark.parametrize("args", [("--version",), ("plugins",), ("--help",)])
def test_simple_commands_exit_cleanly(args: tuple[str, ...]) -> None:
    done = panelist(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_unknown_user_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert panelist("demo", "--no-tui", "--db", str(db)).returncode == 0
    done = panelist("--db", str(db), "--as", "ghost@example.com")
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: --as names ghost@example.com, who is not an employee"


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    assert panelist("demo", "--no-tui", "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('core', 999, 'from the future', 'x')")
    before = counts(db)
    done = panelist("--db", str(db), "--as", "rosa.jansen@example.com")
    assert done.returncode == 1
    assert "newer than this Panelist knows" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert counts(db) == before


def test_an_error_prints_no_control_character(tmp_path: Path) -> None:
    """ESC and BEL in a value an error quotes reach the terminal as neither."""
    db = tmp_path / "company.db"
    staff = tmp_path / "staff.csv"
    staff.write_text(  # this OS account is the Admin's, who may name anyone with --as
        f"email,name,timezone,role,os_user\nceo@example.com,Chief,Europe/Amsterdam,Admin,"
        f"{getpass.getuser()}\n"
    )
    assert panelist("import", "employees", str(staff), "--db", str(db)).returncode == 0
    done = panelist("--db", str(db), "--as", "ghost\x1b]0;pwned\x07\x9b2J@example.com")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Error: --as names ghost]0;pwned2J@example.com, who is not an employee"
    )
