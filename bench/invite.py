"""Benchmark of "Invite interviewers"; prints one JSON line of figures. Not a test.

A calendar provider that answers every call after LATENCY (200 ms) holds the calendars
of 8 interviewers and of the room. Inviting them makes the video meeting first (its link
goes into every event), then the 8 private events and the room booking, concurrently.

- ``one_call_s``: one `create_event` on that provider (the unit).
- ``invite_s``: the side effects of an invite (meeting, 8 events, booking), from the
  booking's commit to the end, with the built-in Jitsi provider for the meeting; ``ratio``
  is invite_s / one_call_s (goal: at most 2).
- ``recheck_s``: the commit-time re-check of all 9 calendars with the provider, before that;
  ``schedule_s`` the whole `invite()` call (re-check + side effects).
- ``slow_meeting_invite_s`` / ``slow_meeting_ratio``: the same side effects when the video
  provider also answers after LATENCY: two round trips, because the meeting comes first.
- ``serial_estimate_s``: what 10 calls one after another would cost.

Medians over RUNS invites, each at another time in one database.

    python bench/invite.py [--runs N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from panelist import hookimpl
from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.models import Method, WorkingHours
from panelist.plugins import build_registry
from panelist.providers import (
    CalendarEvent,
    CalendarProvider,
    ConferenceCapability,
    ConferenceProvider,
    EventDraft,
    Meeting,
    MeetingDraft,
    ProviderContext,
    SyncResult,
)
from panelist.scheduling import (
    InterviewRequest,
    ParticipantRequest,
    SchedulingService,
    StepEvent,
)
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace
from panelist_local.provider import LocalCalendarProvider

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
LATENCY = 0.2
INTERVIEWERS = 8


class SlowCalendar(CalendarProvider):
    """The local calendar behind a network round trip of LATENCY per call."""

    id = "slow"
    display_name = "Slow Calendar"
    capabilities = LocalCalendarProvider.capabilities
    latency = LATENCY

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.inner = LocalCalendarProvider(context)

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        await asyncio.sleep(self.latency)
        return await self.inner.list_events(calendar_id, start, end)

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        await asyncio.sleep(self.latency)
        return await self.inner.sync(calendar_id, cursor)

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        await asyncio.sleep(self.latency)
        return await self.inner.get_event(calendar_id, uid)

    async def create_event(
        self, calendar_id: str, draft: EventDraft, idempotency_key: str
    ) -> CalendarEvent:
        await asyncio.sleep(self.latency)
        return await self.inner.create_event(calendar_id, draft, idempotency_key)


class SlowMeetings(ConferenceProvider):
    """A video provider with the same round trip; meetings named after their key."""

    id = "slowmeet"
    display_name = "Slow Meetings"
    capabilities = ConferenceCapability.IDEMPOTENT_CREATE | ConferenceCapability.UPDATE_IN_PLACE
    latency = LATENCY

    async def is_verified_host(self, email: str) -> bool:
        await asyncio.sleep(self.latency)
        return True

    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        await asyncio.sleep(self.latency)
        meeting_id = hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]
        return Meeting(meeting_id, f"https://meet.example/{meeting_id}", draft.host_email,
                       draft.start, draft.end)  # fmt: skip

    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        await asyncio.sleep(self.latency)
        return Meeting(meeting_id, f"https://meet.example/{meeting_id}", draft.host_email,
                       draft.start, draft.end)  # fmt: skip

    async def delete_meeting(self, meeting_id: str) -> None:
        await asyncio.sleep(self.latency)


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(SlowCalendar)


@hookimpl
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    register(SlowMeetings)


def build_company(path: Path) -> Workspace:
    registry = build_registry(extra_plugins=[("bench-slow", sys.modules[__name__])])
    db = open_database(path, registry.migrations)
    roles = dict(db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    hours = WorkingHours.office().to_json()
    people = ["rosa", *(f"i{n}" for n in range(1, INTERVIEWERS + 1))]
    with db.atomic():
        for n, key in enumerate(people, start=1):
            db.table("employees").insert(
                {"id": n, "email": f"{key}@bench.example", "name": key.title(),
                 "timezone": "Europe/Amsterdam", "working_hours": hours,
                 "calendar_provider": "slow", "calendar_id": f"{key}@bench.example",
                 "company_role_id": roles["Recruiter" if key == "rosa" else "Interviewer"]}
            )  # fmt: skip
            for provider in ("jitsi", "slowmeet"):
                db.table("video_accounts").insert(
                    {"employee_id": n, "provider": provider, "account": f"{key}@bench.example",
                     "verified_at": "2026-01-01T00:00:00+00:00"}
                )  # fmt: skip
        db.table("rooms").insert(
            {"id": 1, "name": "Amstel", "capacity": 12, "calendar_provider": "slow",
             "calendar_id": "room:amstel"}
        )  # fmt: skip
        db.table("jobs").insert({"id": 1, "title": "Engineer"})
        db.table("job_responsibles").insert(
            {"job_id": 1, "employee_id": 1, "role_id": roles["Recruiter"]}
        )
        db.table("candidates").insert({"id": 1, "name": "Candidate", "email": "c@example.org"})
        db.table("applications").insert(
            {"id": 1, "candidate_id": 1, "job_id": 1, "applied_on": "2026-11-01"}
        )
    user = find_employee_by_email(db, "rosa@bench.example")
    assert user is not None
    return Workspace(db, path, registry, FrozenClock(NOW), user)


def request(number: int, video: str) -> InterviewRequest:
    start = NOW + timedelta(days=1, hours=2 * number)
    interviewers = tuple(ParticipantRequest(n, 4) for n in range(2, INTERVIEWERS + 2))
    return InterviewRequest(
        application_id=1, organiser_id=1, participants=interviewers, start=start,
        end=start + timedelta(hours=1), method=Method.VIDEO, room_id=1,
        video_provider=video, video_host_id=2,
    )  # fmt: skip


async def one_call(ws: Workspace, number: int) -> float:
    provider = ws.calendar_provider("slow")
    start = NOW + timedelta(days=30, hours=number)
    draft = EventDraft("Probe", start, start + timedelta(minutes=30))
    began = time.perf_counter()
    await provider.create_event("probe@bench.example", draft, f"probe-{number}")
    return time.perf_counter() - began


async def timed_invite(
    service: SchedulingService, marks: dict[str, float], req: InterviewRequest
) -> tuple[float, float, float]:
    marks.clear()
    began = time.perf_counter()
    record = await service.invite(req)
    ended = time.perf_counter()
    assert record.video_link and len(record.participants) == INTERVIEWERS
    return ended - marks["reserved"], marks["reserve"] - began, ended - began


async def measure(runs: int) -> dict[str, float | int]:
    folder = Path(tempfile.mkdtemp(prefix="panelist-bench-"))
    ws = build_company(folder / "bench.db")
    marks: dict[str, float] = {}

    def on_step(event: StepEvent) -> None:
        marks.setdefault(event.stage, time.perf_counter())

    service = SchedulingService(ws, MaildirTransport(folder / "outbox"), on_step=on_step)
    singles = [await one_call(ws, n) for n in range(runs)]
    fast = [await timed_invite(service, marks, request(n, "jitsi")) for n in range(runs)]
    slow = [await timed_invite(service, marks, request(runs + n, "slowmeet")) for n in range(runs)]
    ws.close()
    unit = statistics.median(singles)
    invite = statistics.median(f[0] for f in fast)
    slow_invite = statistics.median(s[0] for s in slow)
    return {
        "latency_s": LATENCY,
        "interviewers": INTERVIEWERS,
        "runs": runs,
        "one_call_s": round(unit, 4),
        "invite_s": round(invite, 4),
        "ratio": round(invite / unit, 3),
        "recheck_s": round(statistics.median(f[1] for f in fast), 4),
        "schedule_s": round(statistics.median(f[2] for f in fast), 4),
        "slow_meeting_invite_s": round(slow_invite, 4),
        "slow_meeting_ratio": round(slow_invite / unit, 3),
        "serial_estimate_s": round(unit * (INTERVIEWERS + 2), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=LATENCY)
    args = parser.parse_args()
    SlowCalendar.latency = SlowMeetings.latency = args.latency
    figures = asyncio.run(measure(args.runs))
    figures["latency_s"] = args.latency
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
