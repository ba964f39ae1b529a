"""Benchmark of core's calendar cache and its sync; prints one JSON line. Not a test.

Figures:
- `view_p50_ms` (target <= 30): Find a time for 10 people over 2 weeks, core only, after a
  sync: `panelist.services.calendar_view.load_calendar_view` for 10 employees with
  calendars and the demo's rooms, then `suggest_slots` (60 minutes, top 10), on the demo
  company built at a fixed Monday. The p50 of RUNS runs, each with another panel of 10;
  `view_p95_ms` beside it; `view_cold_p50_ms` the same panel again with the process's memo
  of decoded cache rows emptied first (what opening a panel nobody has looked at costs).
  `view_reads` says what the view read: "cache" once the calendar
  view reads `panelist.calendars.CalendarCache`, else "provider" (the demo's local calendar
  provider, which reads the same database). `cache_read_p50_ms`: the panel's and every
  room's calendar read from the cache alone (`CalendarCache.events`, series expanded).
- `sync_noop_s` (target <= 1.0): one `SyncService.sync` round over CALENDARS CalDAV
  calendars (EVENTS events each) in which nothing changed since the last round, against a
  local Radicale started as bench/caldav_sync.py starts it (files written into its storage
  folder, read by Radicale once before anything is measured). The median of RUNS rounds;
  `sync_noop_s_max` the worst, `sync_initial_s` the first round that filled the cache.
- `initial_vs_plain` (target <= 2.0): CalDAV initial sync / a plain `calendar.events()`
  fetch of the same 5,000-event calendar, taken from bench/caldav_sync.py when it measures
  it (`initial_vs_plain` in its figures; `--with-caldav-bench` runs it with its defaults,
  a few minutes), else null.

    python bench/calendar_cache.py [--runs N] [--calendars N] [--events N] [--with-caldav-bench]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from panelist.calendars import CalendarCache, CalendarKey, SyncReport, SyncService
from panelist.calendars.cache import forget_decoded_events
from panelist.clock import FrozenClock
from panelist.demo import build_demo_company
from panelist.models import WorkingHours
from panelist.plugins import load_registry
from panelist.services.calendar_view import load_calendar_view, suggest_slots
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import SystemActor, Workspace
from panelist_caldav.testing import RadicaleServer

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday
RECRUITER = "rosa.jansen@example.com"
USER = "bench"
PANEL = 10


# --------------------------------------------------------------------------- view_p50_ms


def measure_view(folder: Path, runs: int, rng: random.Random) -> dict[str, object]:
    registry = load_registry()
    path = folder / "demo.db"
    db = open_database(path, registry.migrations)
    build_demo_company(db, registry, FrozenClock(NOW))
    user = find_employee_by_email(db, RECRUITER)
    assert user is not None, "the demo's recruiter is missing"
    ws = Workspace(db, path, registry, FrozenClock(NOW), user)
    try:
        reports = asyncio.run(SyncService(ws).sync())
        failed = [r for r in reports if r.error]
        if failed:
            raise RuntimeError(f"the demo's calendars did not sync: {failed[0]}")
        people = [
            row[0]
            for row in db.execute(
                "SELECT id FROM employees WHERE calendar_id IS NOT NULL AND active = 1"
            ).fetchall()
        ]
        rooms = [row[0] for row in db.execute("SELECT id FROM rooms").fetchall()]
        start, end = NOW, NOW + timedelta(weeks=2)
        times, cold, reads = [], [], []
        for _ in range(runs):
            panel = rng.sample(people, PANEL)
            times.append(_view_ms(ws, panel, rooms, start, end))
            reads.append(_cache_reads(ws, panel, start, end))
            forget_decoded_events()
            cold.append(_view_ms(ws, panel, rooms, start, end))
    finally:
        ws.close()
    times.sort()
    return {
        "view_p50_ms": round(statistics.median(times), 1),
        "view_p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "view_cold_p50_ms": round(statistics.median(cold), 1),
        "cache_read_p50_ms": round(statistics.median(reads), 1),
        "view_reads": _what_the_view_reads(),
        "demo_calendars": len(reports),
    }


def _view_ms(
    ws: Workspace, panel: list[int], rooms: list[int], start: datetime, end: datetime
) -> float:
    started = time.perf_counter()
    view = asyncio.run(load_calendar_view(ws, panel, rooms, start, end))
    suggest_slots(ws, view, timedelta(minutes=60))
    return (time.perf_counter() - started) * 1000


def _cache_reads(ws: Workspace, panel: list[int], start: datetime, end: datetime) -> float:
    """Milliseconds to read the panel's and every room's calendar from the cache, expanded:
    the part of the view the cache replaces."""
    keys = [
        CalendarKey(provider, calendar_id)
        for provider, calendar_id in ws.db.execute(
            "SELECT calendar_provider, calendar_id FROM employees"
            f" WHERE id IN ({','.join('?' * len(panel))})"
            " UNION ALL SELECT calendar_provider, calendar_id FROM rooms",
            panel,
        ).fetchall()
    ]
    cache = CalendarCache(ws.db)
    started = time.perf_counter()
    for key in keys:
        cache.events(key, start, end)
    return (time.perf_counter() - started) * 1000


def _what_the_view_reads() -> str:
    import inspect

    from panelist.services import calendar_view

    return "cache" if "CalendarCache" in inspect.getsource(calendar_view) else "provider"


# --------------------------------------------------------------------------- sync_noop_s


def event_file(uid: str, start: datetime) -> str:
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(minutes=45)).strftime("%Y%m%dT%H%M%SZ")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other app//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\n"
        f"SUMMARY:Meeting {uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def populate(server: RadicaleServer, calendars: int, events: int, rng: random.Random) -> list[str]:
    ids = []
    for n in range(calendars):
        calendar_id = server.make_calendar(USER, f"cal-{n}")
        for e in range(events):
            start = NOW + timedelta(days=rng.randrange(-30, 60), hours=rng.randrange(0, 10))
            server.write_file(calendar_id, f"ev-{n}-{e}.ics", event_file(f"ev-{n}-{e}", start))
        # Radicale's own first read of the collection, not Panelist's work.
        status, _, _ = server.request("PROPFIND", calendar_id, "", {"Depth": "1"}, user=USER)
        if status != 207:
            raise RuntimeError(f"Radicale answered {status} listing {calendar_id}")
        ids.append(calendar_id)
    return ids


def company(path: Path, server: RadicaleServer, calendar_ids: list[str]) -> Workspace:
    registry = load_registry()
    db = open_database(path, registry.migrations)
    hours = WorkingHours.office().to_json()
    with db.atomic():
        db["employees"].insert_all(
            {
                "email": f"person{n}@example.org",
                "name": f"Person {n}",
                "timezone": "Europe/Amsterdam",
                "working_hours": hours,
                "calendar_provider": "caldav",
                "calendar_id": calendar_id,
            }
            for n, calendar_id in enumerate(calendar_ids)
        )
        settings = {"url": server.url, "username": USER, "timeout": "60"}
        db["provider_settings"].insert_all(
            {"provider": "caldav", "key": key, "value": value} for key, value in settings.items()
        )
    return Workspace(db, path, registry, FrozenClock(NOW), SystemActor("bench"))


def measure_noop(folder: Path, args: argparse.Namespace, rng: random.Random) -> dict[str, object]:
    with RadicaleServer(folder / "radicale") as server:
        ids = populate(server, args.calendars, args.events, rng)
        ws = company(folder / "caldav.db", server, ids)
        try:
            started = time.perf_counter()
            first = asyncio.run(SyncService(ws).sync())
            initial_s = time.perf_counter() - started
            _no_failures(first)
            rounds = []
            for _ in range(args.runs):
                started = time.perf_counter()
                reports = asyncio.run(SyncService(ws).sync())
                rounds.append(time.perf_counter() - started)
                _no_failures(reports)
                changed = sum(r.changed + r.deleted for r in reports)
                if changed:
                    raise RuntimeError(f"a round with no changes changed {changed} items")
        finally:
            asyncio.run(ws.calendar_provider("caldav").aclose())
            ws.close()
    return {
        "sync_noop_s": round(statistics.median(rounds), 3),
        "sync_noop_s_max": round(max(rounds), 3),
        "sync_initial_s": round(initial_s, 3),
        "calendars": args.calendars,
        "events_per_calendar": args.events,
    }


def _no_failures(reports: list[SyncReport]) -> None:
    failed = [r for r in reports if r.error]
    if failed:
        raise RuntimeError(f"{len(failed)} calendars failed, first: {failed[0].error}")


# --------------------------------------------------------------------------- initial_vs_plain


def initial_vs_plain(run_it: bool) -> float | None:
    """bench/caldav_sync.py's figure, when asked for and when it measures it."""
    if not run_it:
        return None
    script = Path(__file__).with_name("caldav_sync.py")
    # Its own defaults, so the figure is the one it reports itself.
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    value = figures.get("initial_vs_plain")
    return float(value) if value is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--calendars", type=int, default=50)
    parser.add_argument("--events", type=int, default=40, help="events per CalDAV calendar")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--with-caldav-bench",
        action="store_true",
        help="run bench/caldav_sync.py for initial_vs_plain",
    )
    args = parser.parse_args()
    # Radicale runs with --auth-type none: any password; never ask the OS keyring.
    os.environ.setdefault("PANELIST_CALDAV_PASSWORD", "not-checked")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="panelist-cache-bench-") as tmp:
        folder = Path(tmp)
        view = measure_view(folder, args.runs, rng)
        noop = measure_noop(folder, args, rng)
    figures = {**view, **noop, "initial_vs_plain": initial_vs_plain(args.with_caldav_bench)}
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
