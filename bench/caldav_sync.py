"""Benchmark of the CalDAV cache sync against a local Radicale; prints one JSON line. Not a test.

A calendar of 5,000 events, 200 of them recurring series (daily stand-ups and
weekly 1:1s over months, in Amsterdam or London time, with EXDATEs and moved
occurrences), the rest single meetings: a quarter in a named zone (with its
VTIMEZONE, as calendar apps write them), the others in UTC, some all-day, some
private, some with attendees. The files are put into Radicale's storage folder
(one .ics per event, its own layout) and Radicale reads the collection once
before anything is measured, so its own first parse of every file (which a
running server has long done; ~3 ms per zoned event here) is not counted.

Measured, with a fresh Panelist database:
(a) initial: the first sync of the calendar into the cache (seconds, requests);
(b) incremental: RUNS rounds of 10 changes made by another calendar app
    (5 edits, one of them a series, 3 new events, 2 deletions), each followed by
    a sync; the median seconds, the worst, requests and the items it handled
    (downloaded + deleted; 10 means only the changed items were touched), and
    `incremental_http_s`, the part spent waiting for the server's answers
    (Radicale's sync-collection reads every item of the collection, ~0.2 s here).

    python bench/caldav_sync.py [--events N] [--series N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from panelist.clock import FrozenClock
from panelist.providers import ProviderContext
from panelist.storage.database import open_database
from panelist_caldav.cache import CalDAVCache
from panelist_caldav.migrations import caldav_migrations
from panelist_caldav.provider import CalDAVCalendarProvider
from panelist_caldav.testing import RadicaleServer

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday
USER, CALENDAR = "bench", "work"
CALENDAR_ID = f"{USER}/{CALENDAR}/"
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


async def measure(
    server: RadicaleServer, folder: Path, runs: int, rng: random.Random
) -> dict[str, object]:
    db = open_database(folder / "panelist.db", [caldav_migrations])
    settings = {"url": server.url, "username": USER, "timeout": "120"}
    context = ProviderContext(database=db, clock=FrozenClock(NOW), settings=settings,
                              secret_lookup=lambda provider, name: None)  # fmt: skip
    provider = CalDAVCalendarProvider(context)
    cache = CalDAVCache(db, provider)
    try:
        started = time.perf_counter()
        initial = await cache.sync(CALENDAR_ID)
        initial_s = time.perf_counter() - started
        if initial.error:
            raise RuntimeError(initial.error)
        cached = db.execute("SELECT count(*) FROM cache_events").fetchone()[0]
        singles = [
            uid
            for (uid,) in db.execute("SELECT uid FROM caldav_cache_objects").fetchall()
            if uid.startswith("single-")
        ]
        rounds, http = [], []
        for round_no in range(runs):
            make_changes(server, round_no, singles, rng)
            started, waited = time.perf_counter(), provider.http_seconds
            report = await cache.sync(CALENDAR_ID)
            rounds.append((time.perf_counter() - started, report))
            http.append(provider.http_seconds - waited)
            if report.error or report.mode != "incremental":
                raise RuntimeError(f"incremental sync went wrong: {report}")
    finally:
        await provider.aclose()
        db.close()
    seconds = [s for s, _ in rounds]
    last = rounds[-1][1]
    return {
        "initial_s": round(initial_s, 3),
        "initial_requests": initial.requests,
        "initial_objects": initial.fetched,
        "cached_rows": cached,
        "incremental_s": round(statistics.median(seconds), 3),
        "incremental_s_max": round(max(seconds), 3),
        "incremental_http_s": round(statistics.median(http), 3),
        "incremental_requests": last.requests,
        "incremental_items": last.fetched + last.deleted,
        "incremental_fetched": last.fetched,
        "incremental_deleted": last.deleted,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
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
