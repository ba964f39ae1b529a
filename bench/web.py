"""Benchmark of the candidate's scheduling page; prints one JSON line of figures. Not a test.

A company of 4 interviewers and 3 rooms whose calendars sit behind a provider answering
every call after LATENCY (200 ms: `SlowCalendar` of bench/invite.py), each calendar busy
with meetings through the 14-day window. A scheduling link offers up to 12 times in any
room that seats them and the candidate. Requests go through the whole ASGI app (security
headers, rate limits, CSRF, templates) in process, without a socket.

- ``page_p50_ms`` / ``page_p95_ms``: the candidate's page (GET /s/TOKEN), read from the
  calendar cache after the first request synced it; median and 95th percentile of RUNS.
- ``one_call_s``: one `create_event` on that provider (the unit).
- ``book_s``: POST /s/TOKEN/book, the whole booking: live re-check of the 4 people and the
  room, the 5 events (concurrently), the audit, the candidate's invitation mail (Maildir).
- ``recheck_s``: the re-check within that booking (from the start of `invite` to the
  reservation); ``target_s`` = 1.5 x one_call_s + recheck_s (the issue's goal for book_s).

    python bench/web.py [--runs N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import invite  # bench/invite.py: the slow provider

from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.models import Method, WorkingHours
from panelist.plugins import build_registry
from panelist.providers import EventDraft
from panelist.scheduling import ParticipantRequest, SchedulingService, StepEvent
from panelist.scheduling.links import CandidateLinks, LinkRequest, SchedulingLinks
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace
from panelist_web.app import create_app
from panelist_web.security import Limits

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
INTERVIEWERS = 4
ROOMS = (("Amstel", 4), ("Jordaan", 8), ("Boardroom", 20))
ROOMY = Limits(10**6, 10**6, 10**6, 10**6, 10**6, 10**6)
SLOT = re.compile(r'name="slot" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def build_company(path: Path) -> Workspace:
    registry = build_registry(extra_plugins=[("bench-slow", invite)])
    db = open_database(path, registry.migrations)
    roles = dict(db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    hours = WorkingHours.office().to_json()
    people = ["rosa", *(f"i{n}" for n in range(1, INTERVIEWERS + 1))]
    with db.atomic():
        db.execute("UPDATE settings SET value = ? WHERE key = 'company_name'", ['"Bench Ltd"'])
        for n, key in enumerate(people, start=1):
            db.table("employees").insert(
                {"id": n, "email": f"{key}@bench.example", "name": key.title(),
                 "timezone": "Europe/Amsterdam", "working_hours": hours,
                 "calendar_provider": "slow", "calendar_id": f"{key}@bench.example",
                 "company_role_id": roles["Recruiter" if key == "rosa" else "Interviewer"]}
            )  # fmt: skip
        for n, (name, seats) in enumerate(ROOMS, start=1):
            db.table("rooms").insert(
                {"id": n, "name": name, "capacity": seats, "calendar_provider": "slow",
                 "calendar_id": f"room:{name.lower()}"}
            )  # fmt: skip
        db.table("jobs").insert({"id": 1, "title": "Engineer"})
        db.table("job_responsibles").insert(
            {"job_id": 1, "employee_id": 1, "role_id": roles["Recruiter"]}
        )
        db.table("candidates").insert(
            {"id": 1, "name": "Candidate", "email": "c@example.org", "timezone": "Asia/Tokyo"}
        )
        db.table("applications").insert(
            {"id": 1, "candidate_id": 1, "job_id": 1, "applied_on": "2026-11-01"}
        )
    user = find_employee_by_email(db, "rosa@bench.example")
    assert user is not None
    return Workspace(db, path, registry, FrozenClock(NOW), user)


async def fill_calendars(ws: Workspace) -> int:
    """Meetings through the window, straight into the local store behind the slow provider:
    each interviewer 2 a working day at hours that move from day to day, each room 1."""
    store = invite.SlowCalendar(ws.provider_context("slow")).inner
    calendars = [f"i{n}@bench.example" for n in range(1, INTERVIEWERS + 1)]
    calendars += [f"room:{name.lower()}" for name, _ in ROOMS]
    made = 0
    for day in range(21):
        midnight = datetime.combine(NOW.date() + timedelta(days=day), datetime.min.time(), UTC)
        if midnight.weekday() >= 5:
            continue
        for c, calendar in enumerate(calendars):
            hours = (
                [12] if calendar.startswith("room:") else [8 + (day + c) % 3, 13 + (day + c) % 2]
            )
            for hour in hours:
                start = midnight + timedelta(hours=hour)
                draft = EventDraft(f"Meeting {made}", start, start + timedelta(minutes=60))
                await store.create_event(calendar, draft, f"fill-{made}")
                made += 1
    return made


def link_request(ws: Workspace) -> LinkRequest:
    role = int(
        ws.db.execute("SELECT id FROM recruiting_roles WHERE name = 'Interviewer'").fetchone()[0]
    )
    return LinkRequest(
        application_id=1, type_id=None, organiser_id=1,
        participants=tuple(ParticipantRequest(n, role) for n in range(2, INTERVIEWERS + 2)),
        room_id=None, room_seats=INTERVIEWERS + 1, method=Method.IN_PERSON, video_provider=None,
        video_host_id=None, minutes=60, window_start=date(2026, 11, 24), window_days=14,
        max_options=12, expires_at=NOW + timedelta(days=10),
    )  # fmt: skip


async def measure(runs: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="panelist-bench-web-"))
    ws = build_company(folder / "bench.db")
    events = await fill_calendars(ws)
    transport = MaildirTransport(folder / "outbox")
    recruiter = SchedulingLinks(ws, transport)
    created = recruiter.create(link_request(ws))
    draft = recruiter.draft_mail(created.link_id, created.token)
    await recruiter.send(created.link_id, created.token, draft.subject, draft.text)

    marks: dict[str, float] = {}

    def on_step(event: StepEvent) -> None:
        marks.setdefault(event.stage, time.perf_counter())

    class TimedLinks(CandidateLinks):
        """Core's candidate side, with the booking's steps timed."""

        def _service(self, ws: Workspace) -> Any:
            return SchedulingService(ws, self.transport, retry=self.retry, on_step=on_step)

    app = create_app(TimedLinks(ws, transport), limits=ROOMY)
    path = f"/s/{created.token}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 5000)),
        base_url="http://bench",
    ) as client:
        first = time.perf_counter()
        page = await client.get(path)
        first_s = time.perf_counter() - first
        assert page.status_code == 200, page.text
        offered = len(SLOT.findall(page.text))
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            page = await client.get(path)
            timings.append(time.perf_counter() - began)
            assert page.status_code == 200
        slot = SLOT.findall(page.text)[0]
        confirm = await client.get(f"{path}/confirm", params={"slot": slot})
        csrf = CSRF.findall(confirm.text)[0]
        singles = [await invite.one_call(ws, n) for n in range(5)]
        marks.clear()
        began = time.perf_counter()
        booked = await client.post(f"{path}/book", data={"slot": slot, "zone": "Asia/Tokyo",
                                                          "csrf": csrf})  # fmt: skip
        book_s = time.perf_counter() - began
        assert booked.status_code == 303, booked.text
    ws.close()
    unit = statistics.median(singles)
    recheck = marks.get("reserve", began) - began
    timings.sort()
    return {
        "latency_s": invite.SlowCalendar.latency,
        "interviewers": INTERVIEWERS,
        "rooms": len(ROOMS),
        "window_days": 14,
        "cached_events": events,
        "offered": offered,
        "runs": runs,
        "first_page_ms": round(first_s * 1000, 1),
        "page_p50_ms": round(statistics.median(timings) * 1000, 2),
        "page_p95_ms": round(timings[int(0.95 * (len(timings) - 1))] * 1000, 2),
        "one_call_s": round(unit, 4),
        "recheck_s": round(recheck, 4),
        "book_s": round(book_s, 4),
        "target_s": round(1.5 * unit + recheck, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--latency", type=float, default=invite.LATENCY)
    args = parser.parse_args()
    invite.SlowCalendar.latency = invite.SlowMeetings.latency = args.latency
    print(json.dumps(asyncio.run(measure(args.runs))))


if __name__ == "__main__":
    main()
