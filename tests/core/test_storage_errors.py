"""The database file itself failing: busy, read-only, full, damaged. Each is one line
from the real command line, never a traceback.

The read-only and full disks are real: a small tmpfs mounted for the test (the suite
runs as root, as `make test` does in CI and here).
"""

from __future__ import annotations

import getpass
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli_helpers import run_panelist as panelist

ADMIN = "ceo@example.com"
# The Admin is this OS account's employee, so `--as ADMIN` is honoured.
STAFF = (
    f"email,name,timezone,role,os_user\n{ADMIN},Chief,Europe/Amsterdam,Admin,{getpass.getuser()}\n"
)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command, with no traceback."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def company(folder: Path, rows: int = 1) -> tuple[Path, Path]:
    """A database with an Admin (and `rows` - 1 more employees), and its staff file."""
    staff = folder / "staff.csv"
    extra = "".join(f"p{i}@example.com,Person {i},UTC,\n" for i in range(1, rows))
    staff.write_text(STAFF + extra, encoding="utf-8")
    db = folder / "company.db"
    done = panelist("import", "employees", str(staff), "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db, staff


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert mounted.returncode == 0, f"these tests mount a tmpfs, as root: {mounted.stderr}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_writer_that_cannot_get_the_lock_says_so_in_one_line(tmp_path: Path) -> None:
    db, staff = company(tmp_path)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another Panelist in the middle of a long write
    try:
        short_wait = {"PANELIST_BUSY_TIMEOUT": "0.2"}
        busy = f"Error: another Panelist is writing to {db}; try again"
        changed = tmp_path / "changed.csv"
        changed.write_text(STAFF.replace("Chief", "Chief Executive"), encoding="utf-8")
        for args in (
            ("import", "employees", str(changed), "--as", ADMIN),
            ("reminders", "run", "--as", ADMIN),
        ):
            assert one_line_error(panelist(*args, "--db", str(db), env=short_wait)) == busy
        resumed = panelist("resume", "--as", ADMIN, "--db", str(db), env=short_wait)
        assert resumed.returncode == 0 or one_line_error(resumed) == busy
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (
        panelist("import", "employees", str(staff), "--db", str(db), "--as", ADMIN).returncode == 0
    )


def test_a_bad_busy_timeout_is_one_line(tmp_path: Path) -> None:
    done = panelist("plugins", env={"PANELIST_BUSY_TIMEOUT": "soon"})
    assert done.returncode == 0  # no database opened: nothing to complain about
    done = panelist("resume", "--db", str(tmp_path / "x.db"), env={"PANELIST_BUSY_TIMEOUT": "soon"})
    assert one_line_error(done) == (
        "Error: PANELIST_BUSY_TIMEOUT='soon': expected seconds between 0 and 3600"
    )


def test_a_read_only_disk_is_one_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "4m") as disk:
        db, staff = company(disk)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        done = panelist("import", "employees", str(staff), "--db", str(db))
        assert one_line_error(done) == (
            f"Error: cannot open database {db}: it or its folder is read-only"
        )


def test_a_full_disk_at_open_is_not_called_a_foreign_file(tmp_path: Path) -> None:
    staff = tmp_path / "staff.csv"
    staff.write_text(STAFF, encoding="utf-8")
    with tmpfs(tmp_path / "mnt", "64k") as disk:
        db = disk / "new.db"
        done = panelist("import", "employees", str(staff), "--db", str(db))
        assert one_line_error(done) == (
            f"Error: the disk holding {db} is full; the change was not saved"
        )


def test_a_disk_that_fills_during_an_import_is_one_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "2m") as disk:
        db, _ = company(disk)
        big = tmp_path / "big.csv"
        rows = "".join(f"p{i}@example.com,Person {i} {'x' * 300},UTC,\n" for i in range(20_000))
        big.write_text(STAFF + rows, encoding="utf-8")
        done = panelist("import", "employees", str(big), "--db", str(db), "--as", ADMIN)
        assert one_line_error(done) == (
            f"Error: the disk holding {db} is full; the change was not saved"
        )
        with sqlite3.connect(db) as conn:  # nothing half-written
            assert conn.execute("SELECT count(*) FROM employees").fetchone() == (1,)
        conn.close()


def test_a_corrupt_page_is_one_line(tmp_path: Path) -> None:
    db, staff = company(tmp_path, rows=2000)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # everything into the main file
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'employees'")
        page = root.fetchone()[0]
    conn.close()
    with db.open("r+b") as file:  # scribble over the employees table's root page
        file.seek((page - 1) * page_size)
        file.write(b"\xa5" * page_size)
    done = panelist("import", "employees", str(staff), "--db", str(db), "--as", ADMIN)
    assert one_line_error(done) == (f"Error: {db} is damaged (a corrupt page); restore a backup")
