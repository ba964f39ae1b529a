"""Benchmark of the microsoft plugin against the loopback fake Graph; prints one JSON line.

Not a test. The real msgraph-sdk and azure-identity talk to the fake
(`panelist_microsoft.testing.FakeGraph`) with an app registration's client secret. The
token is fetched before anything is measured, as a running app has it; ``*_requests``
count the HTTP requests Graph received (a $batch is one; the token endpoint not at all).

(a) initial: the first `sync` of a 5,000-event mailbox with 200 series (daily and weekly),
    through calendarView/delta (Graph sends every occurrence of a series);
(b) incremental: 10 changes made by another client (5 edits, 3 new, 2 deletions), then
    `sync` from the delta link;
(c) one_call: one event read (one request: its Graph id known) when the fake answers each
    HTTP request after 200 ms;
(d) invite: with that latency, what core asks of Exchange for one interview: the panel
    event in the host's mailbox with 8 interviewers, the room as a resource attendee and
    the Teams meeting, in one create.

    python bench/microsoft.py [--events N] [--series N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from panelist.clock import FrozenClock
from panelist.providers import Attendee, EventDraft, ProviderContext
from panelist_microsoft.provider import MicrosoftCalendarProvider
from panelist_microsoft.testing import FakeGraph

CLIENT_ID = "0c5d7a8e-4b1f-4f2a-9d3e-7a6b5c4d3e2f"
SECRET = "bench-secret"
OWNER = "big@contoso.example"
ROOM = "amstel@contoso.example"
PEOPLE = [f"interviewer{n}@contoso.example" for n in range(8)]
START = datetime(2026, 1, 5, 8, tzinfo=UTC)
LATENCY = 0.2


def provider_for(graph: FakeGraph) -> MicrosoftCalendarProvider:
    settings = {"tenant_id": graph.tenant_id, "client_id": CLIENT_ID,
                "api_base": graph.graph_url.removesuffix("/v1.0"), "authority": graph.authority,
                "ca_file": str(graph.ca_file), "rooms": ROOM, "timeout": "60"}  # fmt: skip
    context = ProviderContext(None, FrozenClock(START), settings, lambda p, n: SECRET)
    return MicrosoftCalendarProvider(context)


def graph_time(moment: datetime) -> dict[str, str]:
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def fill(graph: FakeGraph, events: int, series: int) -> list[str]:
    uids = []
    for n in range(events):
        start = START + timedelta(days=n % 180, hours=n % 9)
        item: dict[str, Any] = {
            "subject": f"Meeting {n}",
            "start": graph_time(start),
            "end": graph_time(start + timedelta(minutes=30)),
        }
        if n < series:
            daily = n % 2 == 1
            item["recurrence"] = {
                "pattern": {"type": "daily" if daily else "weekly", "interval": 1,
                            **({} if daily else {"daysOfWeek": [start.strftime("%A").lower()]})},
                "range": {"type": "numbered", "startDate": start.date().isoformat(),
                          "numberOfOccurrences": 60 if daily else 26},
            }  # fmt: skip
        uids.append(graph.put_event(OWNER, item)["iCalUId"])
    return uids


def api_requests(graph: FakeGraph, since: int) -> int:
    return len(graph.round_trips[since:])


async def measure(events: int, series: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with FakeGraph() as graph:
        graph.add_app(graph.tenant_id, CLIENT_ID, SECRET)
        for person in [OWNER, *PEOPLE]:
            graph.add_user(person, person.split("@")[0].title())
        graph.add_room(ROOM, "Amstel", capacity=10, building="HQ", floor=1)
        uids = fill(graph, events, series)
        provider = provider_for(graph)
        await provider.list_events(OWNER, START, START + timedelta(minutes=1))  # the token

        mark, began = len(graph.round_trips), time.perf_counter()
        first = await provider.sync(OWNER, None)
        result["initial_s"] = round(time.perf_counter() - began, 3)
        result["initial_requests"] = api_requests(graph, mark)
        result["initial_items"] = len(first.changed)

        for uid in uids[series : series + 5]:
            graph.update_event(OWNER, uid, {"subject": "Edited"})
        for n in range(3):
            new = START + timedelta(days=28, hours=n)
            graph.put_event(OWNER, {"subject": f"New {n}", "start": graph_time(new),
                                    "end": graph_time(new + timedelta(hours=1))})  # fmt: skip
        for uid in uids[-2:]:
            graph.remove_event(OWNER, uid)
        mark, began = len(graph.round_trips), time.perf_counter()
        later = await provider.sync(OWNER, first.cursor)
        result["incremental_s"] = round(time.perf_counter() - began, 3)
        result["incremental_requests"] = api_requests(graph, mark)
        result["incremental_items"] = (
            len(later.changed) + len(later.deleted) + len(later.deleted_resources)
        )

        await provider.get_event(OWNER, uids[series])  # its Graph id found once (by iCalUId)
        graph.latency = LATENCY
        mark, began = len(graph.round_trips), time.perf_counter()
        await provider.get_event(OWNER, uids[series])
        result["one_call_s"] = round(time.perf_counter() - began, 3)
        assert api_requests(graph, mark) == 1, "one call is one request"

        slot = START + timedelta(days=200)
        host = PEOPLE[0]
        draft = EventDraft(
            "Interview", slot, slot + timedelta(hours=1), timezone="UTC",
            attendees=(*(Attendee(p) for p in PEOPLE), Attendee(ROOM, "Amstel", resource=True)),
            organizer=host, conference="teams",
        )  # fmt: skip
        mark, began = len(graph.round_trips), time.perf_counter()
        made = await provider.create_event(host, draft, "interview-1-panel_event")
        result["invite_s"] = round(time.perf_counter() - began, 3)
        result["invite_requests"] = api_requests(graph, mark)
        assert made.conference_url, "no Teams link"
        await provider.aclose()
    result["invite_vs_one_call"] = round(result["invite_s"] / result["one_call_s"], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--series", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.events, args.series))))


if __name__ == "__main__":
    main()
