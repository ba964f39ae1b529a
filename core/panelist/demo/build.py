"""Build the demo company: one call, one transaction, the same data for the same clock."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlite_utils import Database

from panelist.clock import Clock
from panelist.demo import data
from panelist.demo.calendars import (
    CalendarPlan,
    EventWrite,
    block_public_holidays,
    insert_absences,
    plan_absences,
    plan_lunches,
    plan_one_on_ones,
    plan_specials,
    plan_standups,
    plan_weeks,
)
from panelist.demo.company import JITSI, LOCAL, seed_company
from panelist.demo.interviews import (
    add_interview_events,
    attach_meetings,
    insert_external_refs,
    insert_interviews,
    plan_interviews,
)
from panelist.demo.sync import run_sync
from panelist.demo.times import Window
from panelist.errors import ConfigurationError
from panelist.plugins import PluginRegistry
from panelist.providers import (
    CalendarEvent,
    CalendarProvider,
    ConferenceProvider,
    EventDraft,
    ProviderContext,
)

SEED = 20261126  # fixed: the same clock must give the same company, byte for byte


@dataclass(frozen=True)
class DemoSummary:
    """What was built, counted from the database afterwards."""

    employees: int
    integrated_employees: int
    zones: int
    rooms: int
    jobs: int
    candidates: int
    applications: int
    interview_types: int
    evaluation_forms: int
    templates: int
    events: int  # written to calendars; a recurring series counts once
    absences: int
    interviews_by_status: dict[str, int] = field(default_factory=dict)
    """By stored status; stored-scheduled interviews that are over count as "scheduled (past)"."""
    seconds: float = 0.0

    def __str__(self) -> str:
        statuses = ", ".join(f"{n} {s}" for s, n in self.interviews_by_status.items())
        return (
            f"{self.employees} employees in {self.zones} time zones, {self.rooms} rooms, "
            f"{self.jobs} jobs, {self.applications} applications, {self.events} calendar "
            f"events, {self.absences} absences; interviews: {statuses} "
            f"(built in {self.seconds:.1f} s)"
        )


def build_demo_company(
    db: Database, registry: PluginRegistry, clock: Clock, os_user: str | None = None
) -> DemoSummary:
    """Fill an empty, migrated database with the demo company, relative to the clock's today.

    `os_user` is mapped to the recruiter Rosa Jansen, so the app opens as her.
    Calendar events go through the "local" calendar provider found in `registry`.
    """
    started = time.perf_counter()
    now = clock.now().replace(microsecond=0)
    window = Window.around(now, data.AMSTERDAM)
    rng = random.Random(SEED)
    context = ProviderContext(database=db, clock=clock)
    provider = registry.calendar_provider(LOCAL)(context)
    with db.atomic():
        company = seed_company(db, rng, window.today, now, os_user)
        plan = CalendarPlan(company, window, rng)
        holidays = dutch_holidays(window.today - timedelta(days=42), window.end)
        insert_absences(db, plan_absences(plan))
        block_public_holidays(plan, holidays)
        plan_standups(plan, holidays)
        plan_one_on_ones(plan)
        plan_lunches(plan)
        plan_specials(plan)
        interviews = plan_interviews(plan)
        attach_meetings(interviews, _conference_provider(registry, context))
        add_interview_events(plan, interviews)
        insert_interviews(db, company, interviews)
        plan_weeks(plan)
        uids = write_events(provider, plan.writes)
        insert_external_refs(db, interviews, uids)
    fill_calendar_cache(db, registry, clock)
    return _summarise(db, window, len(plan.writes), time.perf_counter() - started)


def fill_calendar_cache(db: Database, registry: PluginRegistry, clock: Clock) -> None:
    """One sync of every mapped calendar, so a fresh demo opens with its cache filled."""
    from panelist.calendars import SyncService
    from panelist.workspace import SystemActor, Workspace

    (path,) = [file for _, name, file in db.execute("PRAGMA database_list") if name == "main"]
    ws = Workspace(db, Path(path), registry, clock, SystemActor("demo"))
    failed = [r for r in run_sync(SyncService(ws).sync()) if r.error or r.skipped]
    if failed:  # the demo's own calendars: a failure here is a bug, not bad luck
        raise RuntimeError(f"the demo's calendar cache could not be filled: {failed[0]}")


def dutch_holidays(first: date, end: date) -> list[date]:
    """Public holidays in the Netherlands in [first, end)."""
    import holidays  # imported here: it takes a moment and only the demo needs it so far

    calendar = holidays.country_holidays("NL", years=range(first.year, end.year + 1))
    return sorted(day for day in calendar if first <= day < end)


def write_events(provider: CalendarProvider, writes: Sequence[EventWrite]) -> dict[str, str]:
    """Create the events calendar by calendar; returns idempotency key -> event uid.

    Uses the provider's synchronous `bulk_create` when it has one (the local calendar
    does: one statement per calendar instead of one transaction per event).
    """
    by_calendar: dict[str, list[EventWrite]] = {}
    for write in writes:
        by_calendar.setdefault(write.calendar_id, []).append(write)
    bulk: Callable[[str, list[tuple[EventDraft, str]]], list[CalendarEvent]] | None
    bulk = getattr(provider, "bulk_create", None)
    uids: dict[str, str] = {}
    for calendar_id, items in by_calendar.items():
        pairs = [(w.draft, w.key) for w in items]
        if bulk is not None:
            created = bulk(calendar_id, pairs)
        else:
            created = run_sync(_create_one_by_one(provider, calendar_id, pairs))
        for write, event in zip(items, created, strict=True):
            uids[write.key] = event.uid
    return uids


async def _create_one_by_one(
    provider: CalendarProvider, calendar_id: str, pairs: Sequence[tuple[EventDraft, str]]
) -> list[CalendarEvent]:
    return [await provider.create_event(calendar_id, draft, key) for draft, key in pairs]


def _conference_provider(
    registry: PluginRegistry, context: ProviderContext
) -> ConferenceProvider | None:
    try:
        return registry.conference_provider(JITSI)(context)
    except ConfigurationError:
        return None


def _summarise(db: Database, window: Window, events: int, seconds: float) -> DemoSummary:
    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    now = window.now.isoformat()
    statuses: dict[str, int] = {}
    for status, past, number in db.execute(
        "SELECT status, status = 'scheduled' AND end_utc <= ?, count(*) FROM interviews"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        [now],
    ).fetchall():
        statuses[f"{status} (past)" if past else status] = number
    return DemoSummary(
        employees=one("SELECT count(*) FROM employees"),
        integrated_employees=one("SELECT count(*) FROM employees WHERE calendar_id IS NOT NULL"),
        zones=one("SELECT count(DISTINCT timezone) FROM employees"),
        rooms=one("SELECT count(*) FROM rooms"),
        jobs=one("SELECT count(*) FROM jobs"),
        candidates=one("SELECT count(*) FROM candidates"),
        applications=one("SELECT count(*) FROM applications"),
        interview_types=one("SELECT count(*) FROM interview_types"),
        evaluation_forms=one("SELECT count(*) FROM evaluation_forms"),
        templates=one("SELECT count(*) FROM message_templates"),
        events=events,
        absences=one("SELECT count(*) FROM absences"),
        interviews_by_status=statuses,
        seconds=seconds,
    )
