"""The demo company: built into a real SQLite file, checked from the database itself."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.demo import DemoSummary, build_demo_company
from panelist.demo.build import write_events
from panelist.demo.calendars import EventWrite
from panelist.models import WorkingHours
from panelist.plugins import PluginRegistry
from panelist.providers import (
    CalendarEvent,
    CalendarProvider,
    EventDraft,
    MeetingDraft,
    ProviderContext,
)
from panelist.providers.events import ResponseStatus, Transparency
from panelist.services.directory import find_employee_by_os_user, get_setting
from panelist.storage.database import open_database

# Monday 23 November 2026, 09:00 UTC, as in tests/conftest.py.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
THIS_MONDAY = date(2026, 11, 23)
WINDOW_START = datetime(2026, 11, 16, tzinfo=UTC)  # Monday of last week
# Tables that differ between two databases for reasons that are not the demo's data.
NOT_DEMO_DATA = {"_migrations", "local_meta"}


@dataclass
class Built:
    db: Database
    summary: DemoSummary
    seconds: float
    provider: CalendarProvider

    def scalar(self, sql: str, params: Any = ()) -> Any:
        return self.db.execute(sql, params).fetchone()[0]

    def rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql, params).fetchall())


def build(path: Path, registry: PluginRegistry, now: datetime = NOW) -> Built:
    clock = FrozenClock(now)
    db = open_database(path, registry.migrations)
    started = time.perf_counter()
    summary = build_demo_company(db, registry, clock, os_user="demo-os-user")
    seconds = time.perf_counter() - started
    provider = registry.calendar_provider("local")(ProviderContext(database=db, clock=clock))
    return Built(db, summary, seconds, provider)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, registry: PluginRegistry) -> Iterator[Built]:
    built = build(tmp_path_factory.mktemp("demo") / "demo.db", registry)
    yield built
    built.db.close()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def all_events(demo: Built) -> list[CalendarEvent]:
    """Every stored event (series once), read back through the provider."""
    calendars = [c for (c,) in demo.rows("SELECT DISTINCT calendar_id FROM local_events")]
    found: list[CalendarEvent] = []
    for calendar_id in calendars:
        found += run(demo.provider.sync(calendar_id, None)).changed
    return found


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if name not in NOT_DEMO_DATA
    ]
    return {
        t: db.execute(f"SELECT {_columns(t)} FROM [{t}] ORDER BY rowid").fetchall() for t in tables
    }


def _columns(table: str) -> str:
    # A sync cursor carries the local calendar's epoch, which is random like local_meta.
    if table == "calendar_sync":
        return "provider, calendar_id, synced_at, attempted_at, error, stale_since, mode"
    return "*"


# --- speed ------------------------------------------------------------------------------


def test_build_time_is_reported(demo: Built) -> None:
    print(f"\ndemo build: {demo.seconds:.2f} s; {demo.summary}")
    assert demo.summary.seconds > 0
    assert demo.seconds < 60  # a sanity bound only; the target is well under 3 s


# --- people, rooms, jobs ----------------------------------------------------------------


def test_employees_span_zones_names_and_working_hours(demo: Built) -> None:
    assert demo.scalar("SELECT count(*) FROM employees") >= 40
    zones = {z for (z,) in demo.rows("SELECT DISTINCT timezone FROM employees")}
    assert {"Europe/Amsterdam", "Europe/London", "America/New_York"} <= zones
    names = " ".join(n for (n,) in demo.rows("SELECT name FROM employees"))
    for name in ("Zoë", "Łukasz", "Søren", "José"):
        assert name in names
    emails = [e for (e,) in demo.rows("SELECT email FROM employees")]
    assert all(re.fullmatch(r"[a-z0-9.]+@example\.com", e) for e in emails), emails
    hours = [WorkingHours.from_json(h) for (h,) in demo.rows("SELECT working_hours FROM employees")]
    assert len({h.to_json() for h in hours}) >= 4
    part_time = [
        h for h in hours if any(e.hour == 13 and s.hour == 9 for d in h.days for s, e in d)
    ]
    assert part_time, "someone works mornings only"


def test_calendars_are_local_except_a_few_not_integrated(demo: Built) -> None:
    assert demo.scalar("SELECT count(*) FROM employees WHERE calendar_provider IS NULL") >= 3
    integrated = demo.rows(
        "SELECT calendar_provider, calendar_id, email FROM employees"
        " WHERE calendar_provider IS NOT NULL"
    )
    assert all(p == "local" and c == e for p, c, e in integrated)


def test_company_roles_and_the_os_user(demo: Built) -> None:
    roles = dict(
        demo.rows(
            "SELECT r.name, count(*) FROM employees e"
            " JOIN recruiting_roles r ON r.id = e.company_role_id GROUP BY r.name"
        )
    )
    assert 1 <= roles["Admin"] <= 2
    assert roles["Recruiter"] >= 3
    assert roles["Hiring manager"] >= 3
    assert roles["Interviewer"] + roles.get("Employee", 0) >= 20
    rosa = find_employee_by_os_user(demo.db, "demo-os-user")
    assert rosa is not None and rosa.name == "Rosa Jansen"
    assert rosa.timezone == "Europe/Amsterdam"
    assert demo.scalar(
        "SELECT name FROM recruiting_roles WHERE id = ?", [rosa.company_role_id]
    ) == ("Recruiter")


def test_recruiting_roles_are_the_defaults(demo: Built) -> None:
    from panelist.permissions import DEFAULT_ROLES, dump_rights

    stored = dict(demo.rows("SELECT name, rights FROM recruiting_roles"))
    assert stored == {name: dump_rights(rights) for name, rights in DEFAULT_ROLES.items()}


def test_rooms_have_varied_capacities_and_local_calendars(demo: Built) -> None:
    rooms = demo.rows("SELECT capacity, calendar_provider, calendar_id FROM rooms")
    assert len(rooms) >= 6
    capacities = {c for c, _, _ in rooms}
    assert len(capacities) >= 4 and min(capacities) >= 2 and max(capacities) <= 20
    assert all(p == "local" and c.startswith("room:") for _, p, c in rooms)


def test_every_job_has_a_recruiter_and_a_hiring_manager(demo: Built) -> None:
    assert demo.scalar("SELECT count(*) FROM jobs") >= 8
    missing = demo.rows(
        """
        SELECT j.title FROM jobs j WHERE
          (SELECT count(DISTINCT r.name) FROM job_responsibles jr
             JOIN recruiting_roles r ON r.id = jr.role_id
            WHERE jr.job_id = j.id AND r.name IN ('Recruiter', 'Hiring manager')) < 2
        """
    )
    assert missing == []
    rosa_jobs = demo.scalar(
        "SELECT count(*) FROM job_responsibles jr JOIN employees e ON e.id = jr.employee_id"
        " WHERE e.name = 'Rosa Jansen'"
    )
    assert rosa_jobs >= 3


def test_applications_cover_every_stage(demo: Built) -> None:
    assert demo.scalar("SELECT count(*) FROM applications") >= 60
    stages = {s for (s,) in demo.rows("SELECT DISTINCT stage FROM applications")}
    assert stages == {"new", "screening", "interview", "offer", "hired", "rejected"}
    with_zone = demo.scalar("SELECT count(*) FROM candidates WHERE timezone IS NOT NULL")
    assert 0 < with_zone < demo.scalar("SELECT count(*) FROM candidates")


# --- configuration -----------------------------------------------------------------------


def test_interview_types_and_evaluation_forms(demo: Built) -> None:
    types = demo.rows("SELECT duration_minutes, default_method FROM interview_types")
    assert len(types) >= 5
    assert all(30 <= minutes <= 120 for minutes, _ in types)
    assert {m for _, m in types} == {"in_person", "phone", "video"}
    forms = demo.rows("SELECT json_array_length(questions) FROM evaluation_forms")
    assert len(forms) >= 3 and all(n >= 3 for (n,) in forms)


def test_templates_cover_every_purpose_and_render(demo: Built) -> None:
    table_sql = demo.scalar("SELECT sql FROM sqlite_master WHERE name = 'message_templates'")
    allowed = set(re.findall(r"'(\w+)'", table_sql.split("purpose", 1)[1].split(")")[0]))
    stored = demo.rows("SELECT purpose, subject, body FROM message_templates")
    assert {p for p, _, _ in stored} == allowed
    env = SandboxedEnvironment(undefined=StrictUndefined)
    context = {
        "candidate": {"name": "Zoë Müller"},
        "job": {"title": "Frontend Engineer"},
        "company": {"name": "Northwind Labs"},
        "organiser": {"name": "Rosa Jansen"},
        "interviewer": {"name": "Pieter van Dijk"},
        "form": {"name": "General evaluation"},
        "interview": {
            "type": "Technical interview",
            "start_candidate": "Tuesday 1 December 2026, 14:00 (Europe/Berlin)",
            "start_local": "Tuesday 1 December 2026, 14:00 (Europe/Amsterdam)",
            "duration_minutes": 90,
            "location": "Amstel",
            "video_link": "https://meet.jit.si/Panelist-0123456789abcdef",
        },
        "previous": {"start_candidate": "Monday 30 November 2026, 14:00 (Europe/Berlin)"},
        "link": {
            "url": "https://jobs.northwind.example/s/abc",
            "type": "Technical interview",
            "duration_minutes": 90,
            "window": "Tuesday 1 December to Monday 14 December 2026",
            "expires": "Monday 7 December 2026, 17:00 (Europe/Berlin)",
        },
    }
    for _, subject, body in stored:
        assert "Zoë Müller" in env.from_string(subject + body).render(context)


def test_settings(demo: Built) -> None:
    assert get_setting(demo.db, "holiday_country") == "NL"
    assert get_setting(demo.db, "company_timezone") == "Europe/Amsterdam"
    assert get_setting(demo.db, "show_private_event_names") is False
    assert get_setting(demo.db, "company_name")
    assert get_setting(demo.db, "demo") is True


def test_video_accounts(demo: Built) -> None:
    verified = demo.scalar(
        "SELECT count(*) FROM video_accounts WHERE provider = 'jitsi' AND verified_at IS NOT NULL"
    )
    assert verified >= 5
    assert (
        demo.scalar(
            "SELECT count(*) FROM video_accounts WHERE provider = 'zoom' AND verified_at IS NULL"
        )
        >= 2
    )


def test_absences(demo: Built) -> None:
    rows = demo.rows("SELECT employee_id, kind, start_date, end_date FROM absences")
    assert len(rows) >= 5
    assert len({e for e, _, _, _ in rows}) >= 5
    assert {"holiday", "sick"} <= {k for _, k, _, _ in rows}
    next_week_end = (THIS_MONDAY + timedelta(days=13)).isoformat()
    soon = [r for r in rows if r[2] <= next_week_end and r[3] >= THIS_MONDAY.isoformat()]
    assert len(soon) >= 2


# --- calendars ---------------------------------------------------------------------------


def test_events_per_employee_per_week(demo: Built) -> None:
    integrated = [
        c for (c,) in demo.rows("SELECT calendar_id FROM employees WHERE calendar_id IS NOT NULL")
    ]
    per_week = []
    for calendar_id in integrated:
        for week in range(6):
            start = WINDOW_START + timedelta(weeks=week)
            events = run(demo.provider.list_events(calendar_id, start, start + timedelta(weeks=1)))
            per_week.append(len(events))
    average = sum(per_week) / len(per_week)
    assert 10 <= average <= 25, average
    assert min(per_week) >= 3


def test_event_variety(demo: Built) -> None:
    events = all_events(demo)
    assert len(events) == demo.scalar("SELECT count(*) FROM local_events")
    assert any(e.private and not e.summary.startswith("Interview") for e in events)
    assert any(not e.private for e in events)
    series = [e for e in events if e.rrule]
    assert any(e.exdates for e in series)
    assert any("UNTIL" not in (e.rrule or "") for e in series), "some series are open-ended"
    assert any(e.all_day for e in events)
    assert any(e.all_day and (e.end - e.start).days >= 3 for e in events)  # type: ignore[operator]
    timed = [e for e in events if isinstance(e.start, datetime)]
    assert any(e.end - e.start > timedelta(hours=24) for e in timed)  # type: ignore[operator]
    assert {Transparency.FREE, Transparency.TENTATIVE, Transparency.BUSY} <= {
        e.transparency for e in events
    }
    statuses = {a.status for e in events for a in e.attendees}
    assert statuses == set(ResponseStatus)


def test_rooms_are_booked(demo: Built) -> None:
    booked = demo.rows(
        "SELECT r.calendar_id, count(l.id) FROM rooms r"
        " LEFT JOIN local_events l ON l.calendar_id = r.calendar_id GROUP BY r.id"
    )
    assert all(n >= 5 for _, n in booked), booked


def test_a_different_day_shifts_the_calendars(
    demo: Built, tmp_path: Path, registry: PluginRegistry
) -> None:
    later = build(tmp_path / "later.db", registry, NOW + timedelta(days=7))
    try:

        def first_standup(built: Built) -> datetime:
            events = [e for e in all_events(built) if e.summary == "Engineering stand-up"]
            return min(e.start for e in events)  # type: ignore[type-var,return-value]

        assert first_standup(later) - first_standup(demo) == timedelta(days=7)
        # Stored-scheduled interviews start on Monday of last week at the earliest.
        first = "SELECT min(start_utc) FROM interviews WHERE status = 'scheduled'"
        assert demo.scalar(first) >= WINDOW_START.isoformat()
        assert later.scalar(first) >= (WINDOW_START + timedelta(days=7)).isoformat()
        upcoming = "SELECT count(*) FROM interviews WHERE status = 'scheduled' AND start_utc > ?"
        later_now = (NOW + timedelta(days=7)).isoformat()
        assert later.scalar(upcoming, [later_now]) == demo.scalar(upcoming, [NOW.isoformat()])
    finally:
        later.db.close()


def test_same_clock_same_data(demo: Built, tmp_path: Path, registry: PluginRegistry) -> None:
    again = build(tmp_path / "again.db", registry)
    try:
        first, second = dump(demo.db), dump(again.db)
        assert first.keys() == second.keys()
        for table in first:
            assert first[table] == second[table], table
    finally:
        again.db.close()


# --- interviews ----------------------------------------------------------------------------


def test_interviews_in_every_status(demo: Built) -> None:
    now = NOW.isoformat()

    def count(where: str, *params: str) -> int:
        return int(demo.scalar(f"SELECT count(*) FROM interviews WHERE {where}", params))

    assert count("status = 'scheduled' AND start_utc > ?", now) >= 8
    assert count("status = 'scheduled' AND end_utc <= ?", now) >= 3  # shown as Closed
    assert count("status = 'closed' AND end_utc <= ?", now) >= 3
    assert count("status = 'cancelled' AND start_utc > ?", now) >= 1
    assert count("status = 'cancelled' AND start_utc <= ?", now) >= 1
    assert count("candidate_status = 'email_sent' AND start_utc > ?", now) >= 1
    assert count("candidate_status = 'not_invited' AND start_utc > ?", now) >= 1
    assert count("method = 'video' AND video_provider = 'jitsi' AND start_utc > ?", now) >= 2
    assert count("method = 'phone' AND start_utc > ?", now) >= 1
    assert count("room_id IS NOT NULL AND start_utc > ?", now) >= 2


def test_organisers_are_responsible_and_participants_have_roles(demo: Built) -> None:
    unauthorised = demo.rows(
        """
        SELECT i.id FROM interviews i JOIN applications a ON a.id = i.application_id
         WHERE NOT EXISTS (SELECT 1 FROM job_responsibles jr
                            WHERE jr.job_id = a.job_id AND jr.employee_id = i.organiser_id)
        """
    )
    assert unauthorised == []
    assert (
        demo.scalar(
            "SELECT count(*) FROM interview_participants p"
            " LEFT JOIN recruiting_roles r ON r.id = p.role_id WHERE r.id IS NULL"
        )
        == 0
    )
    assert (
        demo.scalar(
            "SELECT count(*) FROM interviews i WHERE NOT EXISTS"
            " (SELECT 1 FROM interview_participants p WHERE p.interview_id = i.id)"
        )
        == 0
    )
    rosa_upcoming = demo.scalar(
        "SELECT count(*) FROM interviews i JOIN employees e ON e.id = i.organiser_id"
        " WHERE e.name = 'Rosa Jansen' AND i.status = 'scheduled' AND i.start_utc > ?",
        [NOW.isoformat()],
    )
    assert rosa_upcoming >= 3


def test_upcoming_interviews_show_every_response(demo: Built) -> None:
    responses = {
        r
        for (r,) in demo.rows(
            "SELECT DISTINCT p.response FROM interview_participants p"
            " JOIN interviews i ON i.id = p.interview_id"
            " WHERE i.status = 'scheduled' AND i.start_utc > ?",
            [NOW.isoformat()],
        )
    }
    assert responses == {"accepted", "declined", "tentative", "needs_action"}
    not_integrated = demo.scalar(
        "SELECT count(*) FROM interview_participants p JOIN interviews i ON i.id = p.interview_id"
        " JOIN employees e ON e.id = p.employee_id"
        " WHERE e.calendar_id IS NULL AND i.status = 'scheduled' AND i.start_utc > ?",
        [NOW.isoformat()],
    )
    assert not_integrated >= 1, "the ⚠ of a participant without calendar shows somewhere"


def test_video_interviews_have_a_verified_host_among_the_participants(demo: Built) -> None:
    rows = demo.rows(
        """
        SELECT i.id, i.video_link,
               EXISTS (SELECT 1 FROM interview_participants p
                        WHERE p.interview_id = i.id AND p.employee_id = i.video_host_id),
               EXISTS (SELECT 1 FROM video_accounts v WHERE v.employee_id = i.video_host_id
                          AND v.provider = 'jitsi' AND v.verified_at IS NOT NULL)
          FROM interviews i WHERE i.method = 'video'
        """
    )
    assert rows
    for _, link, host_takes_part, verified in rows:
        assert link.startswith("https://meet.jit.si/Panelist-")
        assert host_takes_part and verified


def test_video_meetings_are_the_conference_providers_own(
    demo: Built, registry: PluginRegistry
) -> None:
    """The jitsi provider recognises each meeting, so a reschedule can move it."""
    jitsi = registry.conference_provider("jitsi")(ProviderContext(database=demo.db, clock=None))  # type: ignore[arg-type]
    rows = demo.rows(
        "SELECT r.external_id, i.video_link, i.start_utc, i.end_utc, e.email"
        " FROM interview_external_refs r JOIN interviews i ON i.id = r.interview_id"
        " JOIN employees e ON e.id = i.video_host_id WHERE r.kind = 'meeting'"
    )
    upcoming_video = demo.scalar(
        "SELECT count(*) FROM interviews WHERE method = 'video' AND status != 'cancelled'"
    )
    assert len(rows) == upcoming_video > 0
    for meeting_id, link, start, end, host in rows:
        assert link.endswith("/" + meeting_id)
        draft = MeetingDraft(
            "Interview", datetime.fromisoformat(start), datetime.fromisoformat(end), host
        )
        assert run(jitsi.update_meeting(meeting_id, draft)).join_url == link


def test_nobody_is_in_two_interviews_at_once(demo: Built) -> None:
    clashes = demo.rows(
        """
        SELECT a.interview_id, b.interview_id FROM interview_participants a
          JOIN interview_participants b
            ON a.employee_id = b.employee_id AND a.interview_id < b.interview_id
          JOIN interviews x ON x.id = a.interview_id AND x.status != 'cancelled'
          JOIN interviews y ON y.id = b.interview_id AND y.status != 'cancelled'
         WHERE x.start_utc < y.end_utc AND y.start_utc < x.end_utc
        """
    )
    assert clashes == []


def test_interview_events_exist_in_the_calendars(demo: Built) -> None:
    """Each interview that was not cancelled has its events, with the participants' answers."""
    interviews = demo.rows(
        "SELECT id, start_utc, end_utc, room_id FROM interviews WHERE status != 'cancelled'"
    )
    for interview_id, start, end, room_id in interviews:
        refs = demo.rows(
            "SELECT kind, provider, calendar_id, external_id, employee_id"
            " FROM interview_external_refs WHERE interview_id = ? AND provider = 'local'",
            [interview_id],
        )
        answers = dict(
            demo.rows(
                "SELECT e.email, p.response FROM interview_participants p"
                " JOIN employees e ON e.id = p.employee_id WHERE p.interview_id = ?",
                [interview_id],
            )
        )
        integrated = demo.scalar(
            "SELECT count(*) FROM interview_participants p JOIN employees e"
            " ON e.id = p.employee_id WHERE p.interview_id = ? AND e.calendar_id IS NOT NULL",
            [interview_id],
        )
        kinds = Counter(kind for kind, *_ in refs)
        assert kinds["interviewer_event"] == integrated
        assert kinds["room_booking"] == (1 if room_id else 0)
        for _, _, calendar_id, uid, _ in refs:
            event = run(demo.provider.get_event(calendar_id, uid))
            assert event.private
            assert (event.start, event.end) == (
                datetime.fromisoformat(start),
                datetime.fromisoformat(end),
            )
            assert {a.email: a.status.value for a in event.attendees} == answers
    assert (
        demo.scalar(
            "SELECT count(*) FROM interview_external_refs r JOIN interviews i ON i.id = r.interview_id"
            " WHERE i.status = 'cancelled'"
        )
        == 0
    )


def test_one_interview_was_rescheduled(demo: Built) -> None:
    rows = demo.rows(
        "SELECT h.start_utc, h.changed_at, i.start_utc, i.sequence, i.updated_at"
        " FROM interview_history h JOIN interviews i ON i.id = h.interview_id"
    )
    assert len(rows) >= 1
    old_start, changed_at, new_start, sequence, updated_at = rows[0]
    assert old_start != new_start and sequence >= 1
    assert datetime.fromisoformat(old_start).weekday() < 5
    assert changed_at <= NOW.isoformat() and updated_at == changed_at


def test_timestamps_are_not_in_the_future(demo: Built) -> None:
    now = NOW.isoformat()
    assert (
        demo.scalar(
            "SELECT count(*) FROM interviews WHERE created_at > ? OR updated_at > ?"
            " OR updated_at < created_at",
            [now, now],
        )
        == 0
    )


# --- writing through a provider without bulk_create -----------------------------------------


class _OneAtATime:
    """A provider that only has the contract's `create_event` (no `bulk_create`)."""

    def __init__(self, inner: CalendarProvider) -> None:
        self.inner = inner
        self.calls = 0

    async def create_event(self, calendar_id: str, draft: EventDraft, key: str) -> CalendarEvent:
        self.calls += 1
        return await self.inner.create_event(calendar_id, draft, key)


def test_write_events_falls_back_to_create_event_even_inside_an_event_loop(
    db: Database, registry: PluginRegistry, clock: FrozenClock
) -> None:
    local = registry.calendar_provider("local")(ProviderContext(database=db, clock=clock))
    provider = _OneAtATime(local)
    start = datetime(2026, 11, 24, 9, tzinfo=UTC)
    writes = [
        EventWrite(
            f"cal-{i % 2}", EventDraft(f"Event {i}", start, start + timedelta(hours=1)), f"k{i}"
        )
        for i in range(4)
    ]

    async def inside_a_loop() -> dict[str, str]:
        return write_events(provider, writes)  # type: ignore[arg-type]

    uids = asyncio.run(inside_a_loop())
    assert provider.calls == 4 and len(set(uids.values())) == 4
    assert run(local.get_event("cal-1", uids["k1"])).summary == "Event 1"


# --- awkward days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # Sunday, Europe switches to summer time
        datetime(2026, 12, 26, 23, 30, tzinfo=UTC),  # Saturday night, Christmas holidays
        datetime(2027, 1, 1, 12, 0, tzinfo=UTC),  # New Year's Day, a Friday
    ],
    ids=["dst-sunday", "boxing-day-night", "new-year"],
)
def test_builds_on_awkward_days(tmp_path: Path, registry: PluginRegistry, now: datetime) -> None:
    built = build(tmp_path / "awkward.db", registry, now)
    try:
        at = now.isoformat()
        assert (
            built.scalar(
                "SELECT count(*) FROM interviews WHERE status = 'scheduled' AND start_utc > ?", [at]
            )
            >= 8
        )
        assert (
            built.scalar(
                "SELECT count(*) FROM interviews WHERE status = 'scheduled' AND end_utc <= ?", [at]
            )
            >= 3
        )
        assert built.scalar("SELECT count(*) FROM interviews WHERE created_at > ?", [at]) == 0
        starts = built.rows(
            "SELECT start_utc, e.timezone FROM interviews i"
            " JOIN employees e ON e.id = i.organiser_id WHERE status != 'cancelled'"
        )
        # Interviews fall on working days in the organiser's zone.
        assert all(
            datetime.fromisoformat(s).astimezone(ZoneInfo(z)).weekday() < 5 for s, z in starts
        )
    finally:
        built.db.close()
