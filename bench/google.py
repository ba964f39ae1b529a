"""Benchmark of the google plugin against the loopback fake Google; prints one JSON line.

Not a test. The real google-api-python-client and google-auth talk to the fake
(`panelist_google.testing.FakeGoogle`), acting through a service account with
domain-wide delegation. Tokens are fetched before anything is measured, as a running
app has them; ``*_requests`` count the HTTP requests the fake received (a batch is one).

(a) initial: the first `sync` of a 5,000-event calendar with 200 series (daily and
    weekly, some with EXDATEs), in pages of 2,500;
(b) incremental: 10 changes made by another client (5 edits, 3 new, 2 deletions),
    then `sync` from the cursor;
(c) one_call: one event read when the fake answers each HTTP request after 200 ms;
(d) invite: with that latency, what core asks of a scheduling server (SHARED_EVENTS) for
    one interview: ONE `create_event` on the video host's calendar (PEOPLE[0]), private,
    with the 8 interviewers as attendees, the room as a resource attendee and the Meet
    made by the event (``conference="google_meet"``). Google keeps each attendee's copy
    and the room answers by itself. ``invite_*``: the write answers the Meet ``success``
    (Google's usual answer), one request; ``invite_pending_*``: the write answers
    ``pending`` and the first read ``success``, two requests.

    python bench/google.py [--events N] [--series N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file's name would
# hide Google's own ``google`` package: the folder goes before anything is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from panelist.clock import FrozenClock  # noqa: E402
from panelist.providers import Attendee, EventDraft, ProviderContext  # noqa: E402
from panelist_google.config import SERVICE_ACCOUNT_SCOPES  # noqa: E402
from panelist_google.provider import GoogleCalendarProvider  # noqa: E402
from panelist_google.testing import FakeGoogle  # noqa: E402

ADMIN = "admin@example.com"
OWNER = "big@example.com"
ROOM = "amstel@resource.calendar.google.com"
PEOPLE = [f"interviewer{n}@example.com" for n in range(8)]
START = datetime(2026, 1, 5, 8, tzinfo=UTC)
LATENCY = 0.2


def context(google: FakeGoogle, key: Path) -> ProviderContext:
    settings = {"mode": "service_account", "key_file": str(key), "admin_email": ADMIN,
                "api_base": google.url, "timeout": "30"}  # fmt: skip
    return ProviderContext(None, FrozenClock(START), settings, lambda provider, name: None)


def panel(slot: datetime) -> EventDraft:
    """The panel event core writes on the host's calendar: everyone, the room, the Meet."""
    return EventDraft(
        "Interview",
        slot,
        slot + timedelta(hours=1),
        timezone="UTC",
        private=True,
        attendees=(*(Attendee(p) for p in PEOPLE), Attendee(ROOM, "Amstel", resource=True)),
        conference="google_meet",
    )


def fill(google: FakeGoogle, events: int, series: int) -> list[str]:
    ids = []
    for n in range(events):
        start = START + timedelta(days=n % 180, hours=n % 9)
        item: dict[str, Any] = {
            "summary": f"Meeting {n}",
            "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Amsterdam"},
            "end": {"dateTime": (start + timedelta(minutes=30)).isoformat(),
                    "timeZone": "Europe/Amsterdam"},
        }  # fmt: skip
        if n < series:
            rule = "RRULE:FREQ=DAILY;COUNT=60" if n % 2 else "RRULE:FREQ=WEEKLY;COUNT=26"
            item["recurrence"] = [rule]
        ids.append(google.put_event(OWNER, item)["id"])
    return ids


def api_requests(google: FakeGoogle, since: int) -> int:
    return len([rt for rt in google.round_trips[since:] if rt.path != "/token"])


async def measure(events: int, series: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    folder = Path(tempfile.mkdtemp(prefix="panelist-google-bench-"))
    with FakeGoogle() as google:
        google.add_user(ADMIN, is_admin=True)
        for person in [OWNER, *PEOPLE]:
            google.add_user(person)
        google.add_room(ROOM, "Amstel", capacity=10)
        key = google.service_account_key_file(
            folder / "key.json", delegated_scopes=SERVICE_ACCOUNT_SCOPES
        )
        ids = fill(google, events, series)
        provider = GoogleCalendarProvider(context(google, key))
        for person in [OWNER, ADMIN, *PEOPLE]:  # tokens, as a running app has them
            await provider.list_events(person, START, START + timedelta(minutes=1))

        mark, began = len(google.round_trips), time.perf_counter()
        first = await provider.sync(OWNER, None)
        result["initial_s"] = round(time.perf_counter() - began, 3)
        result["initial_requests"] = api_requests(google, mark)
        result["initial_items"] = len(first.changed)

        for event_id in ids[series : series + 5]:
            google.put_event(OWNER, {**google.event(OWNER, event_id), "summary": "Edited"})
        for n in range(3):
            google.put_event(OWNER, {"summary": f"New {n}",
                                     "start": {"dateTime": "2026-02-02T10:00:00Z"},
                                     "end": {"dateTime": "2026-02-02T11:00:00Z"}})  # fmt: skip
        for event_id in ids[-2:]:
            google.delete_event(OWNER, event_id)
        mark, began = len(google.round_trips), time.perf_counter()
        later = await provider.sync(OWNER, first.cursor)
        result["incremental_s"] = round(time.perf_counter() - began, 3)
        result["incremental_requests"] = api_requests(google, mark)
        result["incremental_items"] = len(later.changed) + len(later.deleted)

        google.latency = LATENCY
        began = time.perf_counter()
        await provider.get_event(OWNER, ids[0])
        result["one_call_s"] = round(time.perf_counter() - began, 3)

        for name, ready, day in (("invite", True, 200), ("invite_pending", False, 201)):
            google.meet_ready_at_write = ready
            mark, began = len(google.round_trips), time.perf_counter()
            draft = panel(START + timedelta(days=day))
            made = await provider.create_event(PEOPLE[0], draft, f"bench-{name}")
            result[f"{name}_s"] = round(time.perf_counter() - began, 3)
            result[f"{name}_requests"] = api_requests(google, mark)
            assert made.conference_url, "the invite came back without its Meet"
            assert made.response_of(ROOM) is not None
    result["invite_vs_one_call"] = round(result["invite_s"] / result["one_call_s"], 2)
    result["invite_pending_vs_one_call"] = round(
        result["invite_pending_s"] / result["one_call_s"], 2
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--series", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.events, args.series))))


if __name__ == "__main__":
    main()
