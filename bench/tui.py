"""Benchmark of the TUI over a terminal; prints ONE JSON line of figures. Not a test.

Everything runs in a real pseudo-terminal (pty) at 160x48, as over SSH: the
parent process spawns the app, writes key bytes to the pty and reads what the
app writes back, so the figures include Textual's driver and the bytes a
remote terminal would receive.

- `first_frame_s`: wall time from spawning ``panelist --db DEMO --as rosa`` (the
  installed command, every plugin installed and loaded through the entry-point
  group) until the first frame with the applications list and the Status pane
  beside it has been written (the list's column header and the pane's title
  appear in the output); the median of LAUNCHES launches, with the bytecode that
  `make install` compiles (as any pip install does).
- `footer_keys_s`: from the same launches, until the footer's keys are drawn too
  ("Quit" appears). Textual's own Footer adds them three frames after the first
  (~0.15 s); the app's `KeysFooter` has them in the first.
- `first_frame_no_bytecode_s`: one launch with every module compiled from source.
- `key_p50_ms`, `key_p95_ms`: per cursor move in the week grid (Find a time for
  10 participants with 60 events each in the shown week, plus a room), the time
  from writing the key to the pty until the app's last byte for it, the screen
  counted as settled after QUIET_S without output. Keys: down, down, up, up,
  right, left, repeated, so the cursor stays in the week.
- `bytes_per_move`: the mean bytes written to the terminal per cursor move
  (`bytes_p95` the 95th percentile).

    python bench/tui.py [--moves N]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import random
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from panelist.clock import FrozenClock
from panelist.demo import build_demo_company
from panelist.models import Employee
from panelist.plugins import build_registry
from panelist.providers.events import EventDraft
from panelist.services.directory import find_employee_by_email, list_employees, list_rooms
from panelist.storage.database import open_database
from panelist.workspace import Workspace

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RECRUITER = "rosa.jansen@example.com"
SIZE = (160, 48)
PARTICIPANTS = 10
EVENTS_PER_WEEK = 60
QUIET_S = 0.15
LAUNCHES = 5
FIRST_FRAME = (b"Candidate", b"Your interviews")
"""The list's column header and the pane's title."""
FOOTER_KEYS = b"Quit"
KEYS = (b"\x1b[B", b"\x1b[B", b"\x1b[A", b"\x1b[A", b"\x1b[C", b"\x1b[D")
READY_TEXT = (b"Suggestion", b"Nothing fits")


# --------------------------------------------------------------------------- the data


def build_db(folder: Path) -> tuple[Path, list[int], int]:
    """The demo company, 10 Amsterdam interviewers filled up to 60 events in the week."""
    registry = build_registry()
    path = folder / "panelist.db"
    db = open_database(path, registry.migrations)
    build_demo_company(db, registry, FrozenClock(NOW))
    user = find_employee_by_email(db, RECRUITER)
    assert user is not None
    ws = Workspace(db, path, registry, FrozenClock(NOW), user)
    people = [
        e
        for e in list_employees(db)
        if e.calendar_id and e.timezone == "Europe/Amsterdam" and e.id != user.id
    ][:PARTICIPANTS]
    asyncio.run(_fill(ws, people))
    room = next(r.id for r in list_rooms(db) if r.capacity >= PARTICIPANTS + 1)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path, [p.id for p in people], room


async def _fill(ws: Workspace, people: list[Employee]) -> None:
    rng = random.Random(7)
    zone = ZoneInfo("Europe/Amsterdam")
    monday = datetime(2026, 11, 23, tzinfo=zone)
    for person in people:
        calendar_id, provider_id = person.calendar_id, person.calendar_provider
        assert calendar_id is not None and provider_id is not None
        provider = ws.calendar_provider(provider_id)
        have = await provider.list_events(calendar_id, monday, monday + timedelta(days=7))
        for i in range(max(0, EVENTS_PER_WEEK - len(have))):
            day = rng.randrange(5)
            start = monday + timedelta(
                days=day, hours=rng.randrange(7, 19), minutes=30 * rng.randrange(2)
            )
            draft = EventDraft(
                summary=rng.choice(("Sync", "Review", "Call", "Planning", "Design")),
                start=start,
                end=start + timedelta(minutes=rng.choice((15, 30, 45, 60))),
                private=rng.random() < 0.2,
            )
            await provider.create_event(calendar_id, draft, f"bench-{calendar_id}-{i}")


# --------------------------------------------------------------------------- the pty


def spawn(argv: list[str], **extra_env: str) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PANELIST_ASCII="0")
    env.update(extra_env)
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    return process, master


def read_for(master: int, seconds: float) -> bytes:
    """Everything written until `seconds` pass without output."""
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], seconds)
        if not ready:
            return b"".join(chunks)
        try:
            chunks.append(os.read(master, 65536))
        except OSError:
            return b"".join(chunks)


def read_until(master: int, wanted: tuple[bytes, ...], timeout: float) -> bytes:
    seen = b""
    deadline = time.perf_counter() + timeout
    while not any(w in seen for w in wanted):
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"{wanted!r} never appeared; got {seen[-400:]!r}")
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                raise RuntimeError(f"the app ended; it wrote {seen[-2000:]!r}") from None
    return seen


def stop(process: subprocess.Popen[bytes], master: int) -> None:
    try:
        os.write(master, b"\x11")  # ctrl+q
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
    os.close(master)


def first_frame(db: Path, **extra_env: str) -> tuple[float, float]:
    """Seconds until the first frame with the applications list and the Status pane
    beside it (160 columns), and until the footer's keys have been drawn as well."""
    panelist = Path(sys.executable).with_name("panelist")
    started = time.perf_counter()
    process, master = spawn([str(panelist), "--db", str(db), "--as", RECRUITER], **extra_env)
    try:
        seen = b""
        for marker in FIRST_FRAME:
            if marker not in seen:
                seen += read_until(master, (marker,), timeout=30)
        first = time.perf_counter() - started
        if FOOTER_KEYS not in seen:
            read_until(master, (FOOTER_KEYS,), timeout=30)
        return first, time.perf_counter() - started
    finally:
        stop(process, master)


def key_moves(db: Path, people: list[int], room: int, moves: int) -> tuple[list[float], list[int]]:
    argv = [sys.executable, __file__, "--child", str(db), ",".join(map(str, people)), str(room)]
    process, master = spawn(argv)
    try:
        read_until(master, READY_TEXT, timeout=60)
        read_for(master, 1.0)  # the rest of the first frames
        times, sizes = [], []
        for i in range(moves):
            key = KEYS[i % len(KEYS)]
            started = time.perf_counter()
            os.write(master, key)
            got, last = 0, started
            while True:
                ready, _, _ = select.select([master], [], [], QUIET_S)
                if not ready:
                    break
                got += len(os.read(master, 65536))
                last = time.perf_counter()
            times.append((last - started) * 1000)
            sizes.append(got)
        return times, sizes
    finally:
        stop(process, master)


# --------------------------------------------------------------------------- the child


def child(db: str, people: str, room: str) -> None:
    """The app on the bench database, opened straight on Find a time for the panel."""
    from panelist.workspace import open_workspace
    from panelist_tui.app import PanelistApp
    from panelist_tui.screens.find_time import FindTimeScreen

    ws = open_workspace(db, RECRUITER, clock=FrozenClock(NOW))
    ids = [int(i) for i in people.split(",")]
    initial = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo(ws.user.timezone))

    import panelist_tui.app

    class BenchApp(PanelistApp):
        CSS_PATH = str(Path(panelist_tui.app.__file__).with_name("app.tcss"))

        def on_ready(self) -> None:
            self.push_screen(FindTimeScreen(ids, timedelta(hours=1), [int(room)], initial))

    BenchApp(ws, ascii=False).run()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=120)
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = Path(tempfile.mkdtemp(prefix="panelist-bench-"))
    try:
        db, people, room = build_db(folder)
        first_frame(db)  # warm the OS file cache once, as a second launch would find it
        launches = [first_frame(db) for _ in range(LAUNCHES)]
        first = statistics.median(frame for frame, _ in launches)
        keys = statistics.median(keys for _, keys in launches)
        # Without bytecode (every module compiled from source), as on a first run
        # where Python may not write its cache: the worst case, for comparison.
        no_cache = folder / "no-pycache"
        cold, _ = first_frame(db, PYTHONPYCACHEPREFIX=str(no_cache), PYTHONDONTWRITEBYTECODE="1")
        times, sizes = key_moves(db, people, room, args.moves)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        json.dumps(
            {
                "first_frame_s": round(first, 3),
                "footer_keys_s": round(keys, 3),
                "first_frame_no_bytecode_s": round(cold, 3),
                "key_p50_ms": round(statistics.median(times), 2),
                "key_p95_ms": round(percentile(times, 0.95), 2),
                "bytes_per_move": round(statistics.mean(sizes)),
                "bytes_p95": percentile([float(s) for s in sizes], 0.95),
                "moves": len(times),
                "participants": PARTICIPANTS,
                "events_per_week": EVENTS_PER_WEEK,
                "terminal": f"{SIZE[0]}x{SIZE[1]}",
            }
        )
    )


if __name__ == "__main__":
    main()
