"""No double booking: two processes book the same room at the same time against one
database, entering the reserving transaction together; exactly one wins, the other is told
"room taken". A hundred races."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections import Counter
from pathlib import Path

import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.plugins import PluginRegistry

HERE = Path(__file__).parent
RACES = 100


def racer(db: Path, who: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "scheduling_driver.py"), "race", str(db), who],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE,
    )  # fmt: skip


def say(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()


def hear(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


def test_two_processes_racing_for_a_room_one_wins(
    company_db: Path, test_registry: PluginRegistry, clock: FrozenClock
) -> None:
    racers = {"sam": racer(company_db, "sam"), "ana": racer(company_db, "ana")}
    winners = []
    try:
        for number in range(RACES):
            for process in racers.values():
                say(process, f"book {number}")
            # both checked the providers and stand at the door of the reserving transaction
            assert [hear(p) for p in racers.values()] == ["ready", "ready"], f"race {number}"
            order = list(racers.values())
            for process in order if number % 2 else reversed(order):  # neither is always first
                say(process, "go")
            answers = {who: hear(process) for who, process in racers.items()}
            won = [who for who, answer in answers.items() if answer.startswith(f"won {number} ")]
            taken = [
                a
                for a in answers.values()
                if a.startswith(f"taken {number} room taken: Amstel is booked")
            ]
            assert len(won) == 1 and len(taken) == 1, f"race {number}: {answers}"
            winners += won
    finally:
        for process in racers.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=30)

    ws = h.workspace(company_db, test_registry, clock)
    rows = ws.db.execute(
        "SELECT start_utc, end_utc FROM interviews WHERE room_id = ? ORDER BY start_utc",
        [h.room_id("amstel")],
    ).fetchall()
    assert len(rows) == RACES
    assert all(end <= following for (_, end), (following, _) in itertools.pairwise(rows))
    bookings = [r for r in h.local_rows(ws.db) if r["calendar_id"] == "room:amstel"]
    assert len(bookings) == RACES and not any(r["deleted"] for r in bookings)
    assert set(winners) == {"sam", "ana"}, Counter(winners)  # a real race, not a fixed order
    assert ws.db.execute("SELECT count(*) FROM outbox WHERE state != 'done'").fetchone()[0] == 0
    ws.close()
