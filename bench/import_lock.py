"""Benchmark of how long an import holds the write lock; prints one JSON line. Not a test.

Imports ROWS employees into a fresh database, then the same file again (unchanged), then
the file with every tenth name changed. For each run, ``*_s`` is the whole import and
``*_lock_s`` the time the write lock was held: from the statement that takes it (BEGIN
IMMEDIATE or a first write) to COMMIT, read from SQLite's statement trace.
``probe_max_wait_s`` is the longest another writer (a second connection inserting a
setting every 10 ms) waited during all three runs. Goal: re-importing unchanged rows holds
the lock under 1 s (it takes none).

    python bench/import_lock.py [--rows N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

from panelist.importer import import_file
from panelist.plugins import build_registry
from panelist.storage.database import open_database

ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "UTC")


class LockWatch:
    """Sums the time between taking the write lock and COMMIT/ROLLBACK, from the trace."""

    def __init__(self) -> None:
        self.held = 0.0
        self.longest = 0.0
        self._since: float | None = None

    def __call__(self, statement: str) -> None:
        word = statement.lstrip().split(None, 2)
        first = word[0].upper() if word else ""
        second = word[1].upper() if len(word) > 1 else ""
        now = time.perf_counter()
        if self._since is None and (
            (first == "BEGIN" and second == "IMMEDIATE") or first in ("INSERT", "UPDATE", "DELETE")
        ):
            self._since = now
        elif self._since is not None and first in ("COMMIT", "ROLLBACK", "END"):
            span = now - self._since
            self.held += span
            self.longest = max(self.longest, span)
            self._since = None


def write_csv(path: Path, rows: int, renamed_every: int = 0) -> None:
    lines = ["email,name,timezone,working_hours"]
    for i in range(rows):
        name = f"Person {i}" + (" Jr" if renamed_every and i % renamed_every == 0 else "")
        lines.append(f"person{i}@example.com,{name},{ZONES[i % len(ZONES)]},Mon-Fri 09:00-17:00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def probe(path: Path, stop: threading.Event, waits: list[float]) -> None:
    conn = sqlite3.connect(path, timeout=60)
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('bench', '1')")
        conn.commit()
        waits.append(time.perf_counter() - started)
        time.sleep(0.01)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=250_000)
    args = parser.parse_args()
    registry = build_registry()
    figures: dict[str, float | int] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        db_path, csv_path, changed_path = (
            Path(tmp) / "bench.db",
            Path(tmp) / "e.csv",
            Path(tmp) / "changed.csv",
        )
        write_csv(csv_path, args.rows)
        write_csv(changed_path, args.rows, renamed_every=10)
        db = open_database(db_path, registry.migrations)
        stop, waits = threading.Event(), []
        prober = threading.Thread(target=probe, args=(db_path, stop, waits))
        prober.start()
        try:
            for label, source in (
                ("first", csv_path),
                ("unchanged", csv_path),
                ("tenth_changed", changed_path),
            ):
                watch = LockWatch()
                db.conn.set_trace_callback(watch)
                started = time.perf_counter()
                result = import_file(db, "employees", source, frozenset())
                figures[f"{label}_s"] = round(time.perf_counter() - started, 3)
                figures[f"{label}_lock_s"] = round(watch.held, 3)
                figures[f"{label}_written"] = result.created + result.updated
                db.conn.set_trace_callback(None)
        finally:
            stop.set()
            prober.join()
            db.close()
        figures["probe_max_wait_s"] = round(max(waits, default=0.0), 3)
    json.dump(figures, sys.stdout)
    print()


if __name__ == "__main__":
    main()
