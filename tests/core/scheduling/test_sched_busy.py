"""Writers beside a big import: invites, `reminders run` and the import itself all go
through (the import holds the write lock only while it writes what changed), and a writer
that cannot get the lock in time says so in one line, never a raw "database is locked"."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.errors import DatabaseBusy
from panelist.mail.transport import MaildirTransport
from panelist.plugins import PluginRegistry
from panelist.scheduling import SchedulingService

IMPORT = """
import sys
from pathlib import Path
from panelist.importer import import_file
from panelist.plugins import build_registry
from panelist.storage.database import open_database
db = open_database(sys.argv[1], build_registry().migrations)
for source in sys.argv[2:]:
    result = import_file(db, "employees", Path(source), frozenset())
    print(result.created, result.updated, flush=True)
"""
ROWS = 20_000
INVITES = 6
MAX_WEEKS = 400


def staff_file(path: Path, suffix: str) -> Path:
    lines = "".join(f"p{i}@example.com,Person {i}{suffix},UTC\n" for i in range(ROWS))
    path.write_text("email,name,timezone\n" + lines, encoding="utf-8")
    return path


def invite_weekly(
    db: Path, reg: PluginRegistry, clock: FrozenClock, hour: int, until: subprocess.Popen[str]
) -> list[str]:
    """Invite Sam at `hour` on Tuesday, the Tuesday after, ... until the import is done."""
    ws = h.workspace(db, reg, clock)
    service = SchedulingService(ws, MaildirTransport(db.parent / "mail"), retry=h.FAST_RETRIES)
    outcomes = []
    try:
        for week in range(MAX_WEEKS):
            start = h.TUESDAY_10 + timedelta(weeks=week, hours=hour)
            try:
                asyncio.run(service.invite(h.request("sam", start=start, minutes=45)))
                outcomes.append("invited")
            except DatabaseBusy as error:
                outcomes.append(str(error))
            if until.poll() is not None:
                break
    finally:
        ws.close()
    return outcomes


def test_invites_and_reminders_go_through_while_a_big_import_writes(
    company_db: Path, test_registry: PluginRegistry, clock: FrozenClock, tmp_path: Path
) -> None:
    files = [staff_file(tmp_path / f"staff{n}.csv", suffix) for n, suffix in enumerate("ab")]
    h.map_os_account(company_db, "rosa")
    importer = subprocess.Popen(
        [sys.executable, "-c", IMPORT, str(company_db), *map(str, files)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    cron = [sys.executable, "-m", "panelist", "reminders", "run", "--as", h.email("rosa")]
    reminders = [
        subprocess.Popen(
            [*cron, "--db", str(company_db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes: dict[int, list[str]] = {}

    def run(hour: int) -> None:
        try:
            outcomes[hour] = invite_weekly(company_db, test_registry, clock, hour, importer)
        except Exception as error:  # anything else is the bug this test is about
            outcomes[hour] = [f"{type(error).__name__}: {error}"]

    threads = [threading.Thread(target=run, args=(hour,)) for hour in range(INVITES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    imported, import_errors = importer.communicate(timeout=180)
    for process in reminders:
        _, errors = process.communicate(timeout=120)
        assert "Traceback" not in errors, errors
        assert process.returncode == 0, errors
    assert "Traceback" not in import_errors, import_errors
    assert importer.returncode == 0, import_errors
    assert imported.split() == [str(ROWS), "0", "0", str(ROWS)]
    assert {answer for answers in outcomes.values() for answer in answers} == {"invited"}
    assert len(outcomes) == INVITES
    # They ran while the import wrote: it finished before they ran out of weeks.
    assert all(1 < len(answers) < MAX_WEEKS for answers in outcomes.values()), outcomes


@pytest.mark.anyio
async def test_an_invite_that_cannot_get_the_lock_is_one_typed_error(
    company_db: Path,
    test_registry: PluginRegistry,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(os.environ, "PANELIST_BUSY_TIMEOUT", "0.2")
    ws = h.workspace(company_db, test_registry, clock)
    holder = sqlite3.connect(company_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another Panelist in the middle of a long write
    try:
        service = SchedulingService(ws, MaildirTransport(tmp_path / "mail"))
        with pytest.raises(DatabaseBusy) as refused:
            await service.invite(h.request("sam"))
        assert str(refused.value) == f"another Panelist is writing to {company_db}; try again"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        ws.close()
    with sqlite3.connect(company_db) as conn:
        assert conn.execute("SELECT count(*) FROM interviews").fetchone() == (0,)
    conn.close()
