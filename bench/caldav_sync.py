"""Benchmark of CalDAV sync into core's calendar cache against a local Radicale; one JSON line.

Not a test. A calendar of 5,000 events, 200 of them recurring series (daily
stand-ups and weekly 1:1s over months, in Amsterdam or London time, with EXDATEs
and moved occurrences), the rest single meetings: a quarter in a named zone (with
its VTIMEZONE, as calendar apps write them), the others in UTC, some all-day, some
private, some with attendees. The files are put into Radicale's storage folder
(one .ics per event, its own layout) and Radicale reads the collection once
before anything is measured, so its own first parse of every file (which a
running server has long done; ~3 ms per zoned event here) is not counted.

Measured (the median of RUNS where it says so):
(a) plain: a plain full fetch of the calendar with the caldav library
    (`calendar.get_events()`, which `events()` is an alias of), nothing parsed or
    stored: the floor for reading the calendar at all;
(b) initial: the first sync into a fresh cache through core's `SyncService`
    (fetched, parsed, every master and override stored); `initial_vs_plain` is
    its median over the plain fetch's (target <= 2.0);
(c) incremental: RUNS rounds of 10 changes made by another calendar app
    (5 edits, one of them a series, 3 new events, 2 deletions), each followed by
    a sync; the median seconds, the worst, requests and the items it handled
    (written + deleted; 10 means only the changed items were touched), and
    `incremental_http_s`, the part spent waiting for the server's answers
    (Radicale's sync-collection reads every item of the collection, ~0.2 s here);
(d) noop: a sync round with nothing changed.

    python bench/caldav_sync.py [--events N] [--series N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from panelist.calendars import CalendarKey, SyncReport, SyncService
from panelist.clock import FrozenClock
from panelist.models import WorkingHours
from panelist.plugins import build_registry
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace
from panelist_caldav.provider import CalDAVCalendarProvider
from panelist_caldav.testing import RadicaleServer

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday
USER, CALENDAR = "bench", "work"
CALENDAR_ID = f"{USER}/{CALENDAR}/"
KEY = CalendarKey("caldav", CALENDAR_ID)
# Compact VTIMEZONEs with yearly rules, as Apple Calendar and Thunderbird write them.
_EU_RULES = ("19700329T{}0000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
             "19701025T{}0000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")  # fmt: skip
VTIMEZONES = {
    "Europe/Amsterdam": (("+0100", "+0200", "CEST", "02"), ("+0200", "+0100", "CET", "03")),
    "Europe/London": (("+0000", "+0100", "BST", "01"), ("+0100", "+0000", "GMT", "02")),
}
CHANGES = {"edit": 5, "add": 3, "delete": 2}


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def single(n: int, rng: random.Random) -> list[str]:
    zone = rng.choice(tuple(VTIMEZONES))
    start = NOW + timedelta(days=rng.randrange(-60, 180), hours=rng.randrange(0, 10))
    length = timedelta(minutes=rng.choice((30, 45, 60, 90)))
    if n % 40 == 0:
        when = [
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{(start + timedelta(days=1)):%Y%m%d}",
        ]
    elif n % 4 == 0:
        when = [f"DTSTART;TZID={zone}:{stamp(start)}", f"DTEND;TZID={zone}:{stamp(start + length)}"]
    else:
        when = [f"DTSTART:{stamp(start)}Z", f"DTEND:{stamp(start + length)}Z"]
    guests = [
        f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Guest {g}:mailto:g{g}@example.org" for g in range(n % 4)
    ]
    private = ["CLASS:PRIVATE"] if n % 7 == 0 else []
    return [*when, f"SUMMARY:Meeting {n}", *guests, *private]


def series(n: int, rng: random.Random) -> tuple[list[str], list[list[str]]]:
    zone = rng.choice(tuple(VTIMEZONES))
    start = (NOW - timedelta(days=rng.randrange(0, 90))).replace(hour=9 + n % 6, minute=0)
    rule = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR" if n % 2 else "FREQ=WEEKLY"
    skipped = start + timedelta(days=14)
    master = [
        f"DTSTART;TZID={zone}:{stamp(start)}",
        f"DTEND;TZID={zone}:{stamp(start + timedelta(minutes=30))}",
        f"RRULE:{rule};COUNT={60 + n % 40}",
        f"EXDATE;TZID={zone}:{stamp(skipped)}",
        f"SUMMARY:Series {n}",
    ]
    moved = start + timedelta(days=7)
    override = [
        f"RECURRENCE-ID;TZID={zone}:{stamp(moved)}",
        f"DTSTART;TZID={zone}:{stamp(moved + timedelta(hours=3))}",
        f"DTEND;TZID={zone}:{stamp(moved + timedelta(hours=3, minutes=30))}",
        f"SUMMARY:Series {n} (moved)",
    ]
    return master, [override] if n % 3 == 0 else []


def vevent(uid: str, lines: list[str]) -> str:
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", *lines, "END:VEVENT"]
    )


def vtimezone(zone: str) -> str:
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone}"]
    for kind, (offset_from, offset_to, name, hour), at, rule in (
        ("DAYLIGHT", VTIMEZONES[zone][0], _EU_RULES[0], _EU_RULES[1]),
        ("STANDARD", VTIMEZONES[zone][1], _EU_RULES[2], _EU_RULES[3]),
    ):
        lines += [f"BEGIN:{kind}", f"TZOFFSETFROM:{offset_from}", f"TZOFFSETTO:{offset_to}",
                  f"TZNAME:{name}", f"DTSTART:{at.format(hour)}", rule, f"END:{kind}"]  # fmt: skip
    return "\r\n".join([*lines, "END:VTIMEZONE"])


def calendar_file(uid: str, *components: list[str]) -> str:
    """One resource as a calendar app writes it: the events, plus the zones they name."""
    text = "\r\n".join(line for lines in components for line in lines)
    zones = [vtimezone(zone) for zone in VTIMEZONES if f"TZID={zone}:" in text]
    events = [vevent(uid, lines) for lines in components]
    body = "\r\n".join([*zones, *events])
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other app//EN\r\n{body}\r\nEND:VCALENDAR\r\n"
    )


def make_changes(
    server: RadicaleServer, round_no: int, singles: list[str], rng: random.Random
) -> None:
    """10 changes as another calendar app makes them: raw PUTs and DELETEs."""
    chosen = rng.sample(singles, CHANGES["edit"] - 1 + CHANGES["delete"])
    edits, deletions = chosen[: CHANGES["edit"] - 1], chosen[CHANGES["edit"] - 1 :]
    for uid in edits:
        lines = single(round_no, rng)
        _expect(
            server.put_ics(USER, CALENDAR_ID, f"{uid}.ics", calendar_file(uid, lines)), (201, 204)
        )
    master, _ = series(round_no, rng)
    uid = f"series-{round_no}"
    _expect(server.put_ics(USER, CALENDAR_ID, f"{uid}.ics", calendar_file(uid, master)), (201, 204))
    for n in range(CHANGES["add"]):
        uid = f"added-{round_no}-{n}"
        _expect(
            server.put_ics(USER, CALENDAR_ID, f"{uid}.ics", calendar_file(uid, single(n, rng))),
            (201,),
        )
        singles.append(uid)
    for uid in deletions:
        status, _, _ = server.request("DELETE", f"{CALENDAR_ID}{uid}.ics", user=USER)
        _expect(status, (200, 204))
        singles.remove(uid)


def _expect(status: int, wanted: tuple[int, ...]) -> None:
    if status not in wanted:
        raise RuntimeError(f"the server answered {status}, expected {wanted}")


def populate(server: RadicaleServer, events: int, recurring: int, rng: random.Random) -> None:
    server.make_calendar(USER, CALENDAR)
    for n in range(recurring):
        master, overrides = series(n, rng)
        server.write_file(
            CALENDAR_ID, f"series-{n}.ics", calendar_file(f"series-{n}", master, *overrides)
        )
    for n in range(events - recurring):
        server.write_file(
            CALENDAR_ID, f"single-{n}.ics", calendar_file(f"single-{n}", single(n, rng))
        )
    # Radicale's own first read of the collection (its item cache), not Panelist's work.
    status, _, _ = server.request(
        "PROPFIND", CALENDAR_ID, "", {"Depth": "1"}, user=USER, timeout=900
    )
    _expect(status, (207,))


def plain_fetch(server: RadicaleServer) -> float:
    """Seconds for the caldav library's own full fetch of the calendar (nothing parsed)."""
    import caldav

    client = caldav.DAVClient(url=server.url, username=USER, password="bench", timeout=120)
    calendar = client.calendar(url=server.url + CALENDAR_ID)
    started = time.perf_counter()
    found = calendar.get_events()  # what the deprecated `calendar.events()` calls
    seconds = time.perf_counter() - started
    if not found or not all(event.data for event in found):
        raise RuntimeError("the plain fetch came back without the events' data")
    client.close()
    return seconds


def workspace(path: Path, server: RadicaleServer) -> Workspace:
    """A fresh database whose one employee's calendar is the benchmark's, on the frozen now."""
    registry = build_registry()
    db = open_database(path, registry.migrations)
    settings = {"url": server.url, "username": USER, "timeout": "120"}
    db["provider_settings"].insert_all(
        {"provider": "caldav", "key": key, "value": value} for key, value in settings.items()
    )
    db["employees"].insert(
        {
            "email": "bench@example.org",
            "name": "Bench Mark",
            "timezone": "Europe/Amsterdam",
            "working_hours": WorkingHours.office().to_json(),
            "calendar_provider": "caldav",
            "calendar_id": CALENDAR_ID,
        }
    )
    db.conn.commit()
    user = find_employee_by_email(db, "bench@example.org")
    assert user is not None
    return Workspace(db, path, registry, FrozenClock(NOW), user)


def caldav_of(ws: Workspace) -> CalDAVCalendarProvider:
    provider = ws.calendar_provider("caldav")
    assert isinstance(provider, CalDAVCalendarProvider)
    return provider


async def sync_once(ws: Workspace) -> SyncReport:
    (report,) = await SyncService(ws).sync([KEY])
    if report.error or report.skipped:
        raise RuntimeError(f"the sync went wrong: {report}")
    return report


async def initial(server: RadicaleServer, path: Path) -> tuple[float, int, int]:
    """Seconds, requests and cached rows of a first sync into a fresh database."""
    ws = workspace(path, server)
    try:
        started = time.perf_counter()
        report = await sync_once(ws)
        seconds = time.perf_counter() - started
        if report.mode != "full":
            raise RuntimeError(f"the first sync was not a full one: {report}")
        (rows,) = ws.db.execute("SELECT count(*) FROM calendar_objects").fetchone()
        return seconds, caldav_of(ws).request_count, rows
    finally:
        await caldav_of(ws).aclose()
        ws.close()


async def measure(
    server: RadicaleServer, folder: Path, runs: int, rng: random.Random
) -> dict[str, object]:
    # Alternated, so that a machine that gets busier or quieter weighs on both alike.
    plain, first = [], []
    for n in range(runs):
        plain.append(plain_fetch(server))
        first.append(await initial(server, folder / f"initial-{n}.db"))
    ws = workspace(folder / "panelist.db", server)
    provider = caldav_of(ws)
    try:
        await sync_once(ws)
        singles = [
            uid
            for (uid,) in ws.db.execute(
                "SELECT uid FROM calendar_objects WHERE recurrence_id = ''"
            ).fetchall()
            if uid.startswith("single-")
        ]
        rounds, http, requests = [], [], []
        for round_no in range(runs):
            make_changes(server, round_no, singles, rng)
            waited, asked = provider.http_seconds, provider.request_count
            started = time.perf_counter()
            report = await sync_once(ws)
            rounds.append((time.perf_counter() - started, report))
            http.append(provider.http_seconds - waited)
            requests.append(provider.request_count - asked)
            if report.mode != "incremental":
                raise RuntimeError(f"the incremental sync was not one: {report}")
        quiet = []
        for _ in range(runs):
            started = time.perf_counter()
            report = await sync_once(ws)
            quiet.append(time.perf_counter() - started)
            if report.changed or report.deleted:
                raise RuntimeError(f"a sync with nothing changed changed something: {report}")
    finally:
        await provider.aclose()
        ws.close()
    seconds = [s for s, _ in rounds]
    last = rounds[-1][1]
    plain_s, initial_s = statistics.median(plain), statistics.median(s for s, _, _ in first)
    return {
        "plain_fetch_s": round(plain_s, 3),
        "initial_s": round(initial_s, 3),
        "initial_vs_plain": round(initial_s / plain_s, 2),
        "initial_requests": first[0][1],
        "cached_rows": first[0][2],
        "incremental_s": round(statistics.median(seconds), 3),
        "incremental_s_max": round(max(seconds), 3),
        "incremental_http_s": round(statistics.median(http), 3),
        "incremental_requests": requests[-1],
        "incremental_items": last.changed + last.deleted,
        "incremental_written": last.changed,
        "incremental_deleted": last.deleted,
        "noop_s": round(statistics.median(quiet), 3),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    # Radicale runs without authentication: any password will do, and no keyring is asked.
    os.environ.setdefault("PANELIST_CALDAV_PASSWORD", "bench")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="panelist-caldav-bench-") as tmp:
        folder = Path(tmp)
        with RadicaleServer(folder / "radicale") as server:
            started = time.perf_counter()
            populate(server, args.events, args.series, rng)
            setup_s = time.perf_counter() - started
            figures = asyncio.run(measure(server, folder, args.runs, rng))
    figures = {
        "events": args.events,
        "series": args.series,
        **figures,
        "setup_s": round(setup_s, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
