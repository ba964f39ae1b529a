"""Conformance suites: what every calendar and conference provider promises to core.

Subclass a suite in a test module (its name must start with ``Test``) and
override its one fixture, `calendar_under_test` or `conference_under_test`;
pytest then runs every test against your provider. Tests are async and run
through anyio's pytest plugin on asyncio.

Nothing is skipped: where a provider lacks a capability, the test checks the
behaviour the contract asks for instead (usually `NotSupported`):

- without WRITE, create/update/delete raise `NotSupported`;
- without RECURRENCE, a draft with an RRULE is refused with `NotSupported`;
- without ATTENDEES, a draft with attendees is refused with `NotSupported`;
- without PRIVATE_EVENTS, events read back as not private (never falsely private);
- without RSVP_READBACK, `attendee_responses` raises `NotSupported` or invents no one;
- without IDEMPOTENT_CREATE, a repeated create still returns a readable event;
- without INCREMENTAL_SYNC, every `sync` is a full listing with ``reset=True``;
- a refused cursor either raises `CursorExpired` or gives a full listing with ``reset=True``;
- without ROOMS, `list_rooms` raises `NotSupported`;
- a draft asking for a conference the calendar does not list in `conferences` is
  refused with `NotSupported` (and without SHARED_EVENTS the event stays in its calendar);
- without VERIFIES_HOSTS, any valid email may host; without UPDATE_IN_PLACE an
  update still returns the meeting at its new time; without DIAL_IN there is none;
  without LISTS_HOST_MEETINGS, `host_meetings` raises `NotSupported`.

The calendar under test should be one that only the suite writes to while it
runs (sync is checked for exactly the suite's own changes). Every event and
meeting a test creates is deleted when the test ends.

`sync` is also checked the way core uses it: through core's sync engine into its
calendar cache (`panelist.calendars`) on a temporary database, whose window reads
must then give what the provider's own `list_events` gives.

Times: the week of Monday 23 March 2026, in Europe/Amsterdam (which moves to
summer time on Sunday 29 March) and America/New_York.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from panelist.calendars.cache import CalendarCache, CalendarKey
from panelist.calendars.sync import SyncReport, sync_calendar
from panelist.errors import (
    CursorExpired,
    EventNotFound,
    NotSupported,
    ProviderError,
    ValidationError,
)
from panelist.providers import (
    Attendee,
    CalendarCapability,
    CalendarEvent,
    CalendarProvider,
    Check,
    ConferenceCapability,
    ConferenceProvider,
    EventDraft,
    Meeting,
    MeetingDraft,
    ResponseStatus,
    RoomInfo,
    SyncResult,
    Transparency,
)
from panelist.storage.database import open_database

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 23)
"""The conformance week starts here; Europe changes to summer time on its Sunday."""

Respond = Callable[[str, str, str, ResponseStatus], Awaitable[Any] | Any]
Override = Callable[[str, str, datetime, EventDraft], Awaitable[Any] | Any]


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = AMSTERDAM) -> datetime:
    """Wall-clock time `day` days after Monday 23 March 2026, in `zone`."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), zone)


def utc(value: date | None) -> datetime:
    """An aware time in UTC, for comparing instants.

    Subtracting two datetimes that share a ZoneInfo ignores DST; UTC never lies.
    """
    assert isinstance(value, datetime) and value.tzinfo is not None, f"not an instant: {value!r}"
    return value.astimezone(UTC)


# ---------------------------------------------------------------------- calendar


@dataclass
class CalendarUnderTest:
    """What the calendar suite needs to know about your provider."""

    provider: CalendarProvider
    calendar_id: str
    """A calendar the suite may write to; only the suite should change it while it runs."""
    attendee_email: str = "conformance.attendee@example.org"
    respond: Respond | None = None
    """How `attendee_email` answers an invitation: ``respond(calendar_id, uid, email,
    status)``, sync or async. Give it when you can; with RSVP_READBACK the suite
    then checks that the answer is read back."""
    room_calendar_ids: tuple[str, ...] = ()
    """Room calendars `list_rooms` must include (with ROOMS)."""
    attendee_calendar_id: str | None = None
    """With SHARED_EVENTS: the calendar of `attendee_email` on the same server (required
    then); the suite checks that an event inviting them is in it under the same uid."""
    override: Override | None = None
    """How one occurrence of a series is replaced at the provider: ``override(calendar_id,
    uid, recurrence_id, draft)``, sync or async (the contract has no call for it). With
    RECURRENCE, give it so the suite checks that an override added to a series arrives
    through `sync`; without it that check is skipped, saying so."""


class _Calendar:
    """The provider under test plus bookkeeping: a tag per test, and cleanup."""

    def __init__(self, under_test: CalendarUnderTest) -> None:
        self.under_test = under_test
        self.provider = under_test.provider
        self.calendar_id = under_test.calendar_id
        self.tag = uuid.uuid4().hex[:8]
        self.created: list[str] = []

    def can(self, capability: CalendarCapability) -> bool:
        return capability in self.provider.capabilities

    def summary(self, name: str) -> str:
        return f"[{self.tag}] {name}"

    def name_of(self, event: CalendarEvent) -> str:
        return event.summary.removeprefix(f"[{self.tag}] ")

    def key(self, name: str) -> str:
        return f"panelist-conformance-{self.tag}-{name}"

    def draft(self, name: str, start: Any, end: Any, **values: Any) -> EventDraft:
        return EventDraft(summary=self.summary(name), start=start, end=end, **values)

    async def create(self, name: str, start: Any, end: Any, **values: Any) -> CalendarEvent:
        draft = self.draft(name, start, end, **values)
        event = await self.provider.create_event(self.calendar_id, draft, self.key(name))
        self.created.append(event.uid)
        return event

    async def listed(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        """This test's events in [start, end), sorted by start."""
        events = await self.provider.list_events(self.calendar_id, start, end)
        mine = [event for event in events if event.summary.startswith(f"[{self.tag}] ")]
        return sorted(mine, key=lambda event: _sort_key(event.start))

    async def names(self, start: datetime, end: datetime) -> set[str]:
        return {self.name_of(event) for event in await self.listed(start, end)}

    async def writes(self) -> bool:
        """True for a writable provider; otherwise checks that writing is refused."""
        if self.can(CalendarCapability.WRITE):
            return True
        with pytest.raises(NotSupported):
            await self.create("refused", at(1, 10), at(1, 11))
        return False

    async def cleanup(self) -> None:
        for uid in reversed(self.created):
            with contextlib.suppress(ProviderError):
                await self.provider.delete_event(self.calendar_id, uid)


def _sort_key(value: date) -> datetime:
    if isinstance(value, datetime):
        return utc(value) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(), UTC)


def _uids_at(resources: list[str], events: list[CalendarEvent]) -> list[str]:
    """The uids of the events whose ``extra["resource"]`` is among `resources`."""
    where = {e.extra["resource"]: e.uid for e in events if e.extra.get("resource")}
    return [where.get(resource, f"(unknown resource {resource})") for resource in resources]


def _assert_doctor_lines(checks: object, calendar_ids: list[str]) -> None:
    assert isinstance(checks, list), f"check() must return a list, not {type(checks).__name__}"
    for check in checks:
        assert isinstance(check, Check), check
        assert check.status in ("ok", "warn", "fail"), check
        assert check.name.strip() and check.detail.strip(), check
        assert "\n" not in check.detail, f"one line, please: {check.detail!r}"
        assert check.calendar_id is None or check.calendar_id in calendar_ids, check


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result


class _SyncedCache:
    """Core's calendar cache on a temporary database, filled by core's sync engine."""

    def __init__(self, calendar: _Calendar, path: Any) -> None:
        self.calendar = calendar
        self.db = open_database(path)
        self.cache = CalendarCache(self.db)
        self.key = CalendarKey(calendar.provider.id, calendar.calendar_id)

    async def sync(self) -> SyncReport:
        """One round as the engine runs it; it must succeed without skipping anything."""
        report = await sync_calendar(self.calendar.provider, self.cache, self.key)
        assert (report.error, report.skipped) == (None, []), report
        return report

    def listed(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        """This test's events in the cache for [start, end), sorted by start."""
        mine = [
            event
            for event in self.cache.events(self.key, start, end)
            if event.summary.startswith(f"[{self.calendar.tag}] ")
        ]
        return sorted(mine, key=lambda event: _sort_key(event.start))

    def seen(self, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
        events = self.listed(start, end)
        return [(self.calendar.name_of(e), utc(e.start), utc(e.end)) for e in events]

    async def matches_the_provider(self, start: datetime, end: datetime) -> None:
        """The cache reads as the provider lists: same events, times and recurrence ids."""
        live = await self.calendar.listed(start, end)
        assert [_essence(e) for e in self.listed(start, end)] == [_essence(e) for e in live]

    def rows(self) -> list[tuple[Any, ...]]:
        return self.db.execute(
            "SELECT * FROM calendar_objects ORDER BY uid, recurrence_id"
        ).fetchall()


def _essence(event: CalendarEvent) -> tuple[Any, ...]:
    recurrence = event.recurrence_id
    return (
        event.uid,
        event.summary,
        _sort_key(event.start),
        _sort_key(event.end),
        None if recurrence is None else _sort_key(recurrence),
        event.transparency,
        event.private,
    )


class CalendarProviderConformance:
    """The calendar provider contract as tests. Override `calendar_under_test`."""

    pytestmark: ClassVar = [pytest.mark.anyio, pytest.mark.conformance]

    @pytest.fixture
    def anyio_backend(self) -> str:
        return "asyncio"

    @pytest.fixture
    def calendar_under_test(self) -> CalendarUnderTest:
        raise NotImplementedError(
            f"{type(self).__name__} must override the calendar_under_test fixture "
            "to return a panelist.testing.CalendarUnderTest"
        )

    @pytest.fixture
    async def conformance_calendar(
        self, calendar_under_test: CalendarUnderTest
    ) -> AsyncIterator[_Calendar]:
        calendar = _Calendar(calendar_under_test)
        yield calendar
        await calendar.cleanup()

    @pytest.fixture
    def synced_cache(
        self, conformance_calendar: _Calendar, tmp_path: Any
    ) -> Iterator[_SyncedCache]:
        synced = _SyncedCache(conformance_calendar, tmp_path / "conformance-cache.db")
        yield synced
        synced.db.close()

    # -------------------------------------------------------------- identity

    async def test_declares_identity_and_capabilities(
        self, conformance_calendar: _Calendar
    ) -> None:
        provider = conformance_calendar.provider
        assert isinstance(provider, CalendarProvider)
        assert re.fullmatch(r"[a-z][a-z0-9_-]*", provider.id), provider.id
        assert provider.display_name.strip()
        assert isinstance(provider.capabilities, CalendarCapability)

    async def test_check_answers_in_lines_and_the_calendar_under_test_passes(
        self, conformance_calendar: _Calendar
    ) -> None:
        """`panelist doctor` asks `check`: what it finds comes back as one-line `Check`s,
        never as an exception, and the calendar the suite uses is fit for use."""
        cal = conformance_calendar
        checks = await cal.provider.check([cal.calendar_id])
        _assert_doctor_lines(checks, [cal.calendar_id])
        mine = [check for check in checks if check.calendar_id == cal.calendar_id]
        assert all(check.status != "fail" for check in mine), mine

    # -------------------------------------------------------------- create / read / update / delete

    async def test_create_get_update_delete_round_trip(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        created = await cal.create(
            "round trip",
            at(1, 10),
            at(1, 11),
            timezone="Europe/Amsterdam",
            description="Bring the portfolio.",
            location="Room Amstel",
        )
        assert created.uid
        assert created.calendar_id == cal.calendar_id
        fetched = await provider.get_event(cal.calendar_id, created.uid)
        assert (fetched.uid, fetched.summary) == (created.uid, cal.summary("round trip"))
        assert (utc(fetched.start), utc(fetched.end)) == (utc(at(1, 10)), utc(at(1, 11)))
        assert (fetched.description, fetched.location) == ("Bring the portfolio.", "Room Amstel")

        moved = cal.draft("moved", at(2, 14), at(2, 15, 30), description="Second round.")
        updated = await provider.update_event(cal.calendar_id, created.uid, moved)
        assert updated.uid == created.uid
        assert updated.sequence > created.sequence
        refetched = await provider.get_event(cal.calendar_id, created.uid)
        assert refetched.summary == cal.summary("moved")
        assert (utc(refetched.start), utc(refetched.end)) == (utc(at(2, 14)), utc(at(2, 15, 30)))
        assert refetched.description == "Second round."
        assert await cal.names(at(0, 0), at(7, 0)) == {"moved"}

        await provider.delete_event(cal.calendar_id, created.uid)
        with pytest.raises(EventNotFound):
            await provider.get_event(cal.calendar_id, created.uid)
        assert await cal.names(at(0, 0), at(7, 0)) == set()

    async def test_get_missing_event_raises_event_not_found(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal = conformance_calendar
        with pytest.raises(EventNotFound):
            await cal.provider.get_event(cal.calendar_id, f"missing-{cal.tag}")

    async def test_update_of_missing_event_raises_event_not_found(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal = conformance_calendar
        if not await cal.writes():
            with pytest.raises(NotSupported):
                await cal.provider.update_event(
                    cal.calendar_id, f"missing-{cal.tag}", cal.draft("x", at(1, 9), at(1, 10))
                )
            return
        with pytest.raises(EventNotFound):
            await cal.provider.update_event(
                cal.calendar_id, f"missing-{cal.tag}", cal.draft("ghost", at(1, 9), at(1, 10))
            )

    async def test_delete_twice_is_fine(self, conformance_calendar: _Calendar) -> None:
        cal = conformance_calendar
        if not await cal.writes():
            with pytest.raises(NotSupported):
                await cal.provider.delete_event(cal.calendar_id, f"missing-{cal.tag}")
            return
        event = await cal.create("short-lived", at(1, 9), at(1, 10))
        await cal.provider.delete_event(cal.calendar_id, event.uid)
        await cal.provider.delete_event(cal.calendar_id, event.uid)
        await cal.provider.delete_event(cal.calendar_id, f"never-existed-{cal.tag}")
        with pytest.raises(EventNotFound):
            await cal.provider.get_event(cal.calendar_id, event.uid)

    async def test_create_is_idempotent_per_key(self, conformance_calendar: _Calendar) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        draft, key = cal.draft("once", at(1, 9), at(1, 10)), cal.key("once")
        first = await provider.create_event(cal.calendar_id, draft, key)
        second = await provider.create_event(cal.calendar_id, draft, key)
        cal.created += [first.uid, second.uid]
        if cal.can(CalendarCapability.IDEMPOTENT_CREATE):
            assert second.uid == first.uid
            assert len(await cal.listed(at(1, 0), at(2, 0))) == 1
        else:  # core reconciles duplicates itself; both answers must be real events
            for event in (first, second):
                fetched = await provider.get_event(cal.calendar_id, event.uid)
                assert fetched.summary == cal.summary("once")
        other = await cal.create("other key", at(1, 9), at(1, 10))
        assert other.uid != first.uid

    async def test_bad_input_is_a_validation_error_never_quoting_the_title(
        self, conformance_calendar: _Calendar
    ) -> None:
        """A title may be private, and errors reach people who may not see it."""
        cal = conformance_calendar
        if not await cal.writes():
            return
        bad = {
            "backwards": (at(1, 11), at(1, 10), {}),
            "zero length": (at(1, 10), at(1, 10), {}),
            "unknown zone": (at(1, 10), at(1, 11), {"timezone": "Mars/Olympus_Mons"}),
        }
        for name, (start, end, values) in bad.items():
            with pytest.raises(ValidationError) as caught:
                await cal.create(name, start, end, **values)
            assert cal.tag not in str(caught.value), str(caught.value)
        assert await cal.names(at(0, 0), at(7, 0)) == set()

    # -------------------------------------------------------------- listing

    async def test_list_events_window_is_half_open_and_overlapping(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal = conformance_calendar
        if not await cal.writes():
            return
        spans = {
            "ends at window start": (at(1, 9), at(1, 10)),
            "starts at window end": (at(1, 11), at(1, 12)),
            "inside": (at(1, 10, 15), at(1, 10, 45)),
            "overlaps start": (at(1, 9, 30), at(1, 10, 15)),
            "overlaps end": (at(1, 10, 45), at(1, 11, 30)),
            "covers window": (at(1, 8), at(1, 12)),
            "next day": (at(2, 10), at(2, 11)),
        }
        for name, (start, end) in spans.items():
            await cal.create(name, start, end)
        expected = {"inside", "overlaps start", "overlaps end", "covers window"}
        assert await cal.names(at(1, 10), at(1, 11)) == expected
        # The same instants named in another zone select the same events.
        in_new_york = (at(1, 10).astimezone(NEW_YORK), at(1, 11).astimezone(NEW_YORK))
        assert await cal.names(*in_new_york) == expected
        assert await cal.names(utc(at(1, 10)), utc(at(1, 11))) == expected

    async def test_all_day_and_multi_day_events(self, conformance_calendar: _Calendar) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        wednesday = MONDAY + timedelta(days=2)
        all_day = await cal.create("all day", wednesday, wednesday + timedelta(days=1))
        await cal.create("three days", MONDAY + timedelta(days=1), MONDAY + timedelta(days=4))
        await cal.create("over 24 hours", at(0, 9), at(2, 17), timezone="Europe/Amsterdam")

        fetched = await provider.get_event(cal.calendar_id, all_day.uid)
        assert not isinstance(fetched.start, datetime) and fetched.start == wednesday
        assert not isinstance(fetched.end, datetime) and fetched.end == wednesday + timedelta(1)
        assert fetched.all_day
        # Mid-day windows, so whichever zone reads the dates the answer is the same.
        assert await cal.names(at(1, 9), at(1, 10)) == {"three days", "over 24 hours"}
        assert await cal.names(at(2, 12), at(2, 13)) == {"all day", "three days", "over 24 hours"}
        assert await cal.names(at(3, 12), at(3, 13)) == {"three days"}
        listed = {cal.name_of(e): e for e in await cal.listed(at(2, 12), at(2, 13))}
        assert listed["all day"].start == wednesday and listed["all day"].all_day

    async def test_times_keep_their_instant_across_zones_and_dst(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        # Saturday 22:00 CET to Sunday 04:00 CEST: six wall-clock hours, five real ones.
        overnight = await cal.create(
            "over the DST change", at(5, 22), at(6, 4), timezone="Europe/Amsterdam"
        )
        fetched = await provider.get_event(cal.calendar_id, overnight.uid)
        assert utc(fetched.end) - utc(fetched.start) == timedelta(hours=5)
        assert utc(fetched.start) == datetime(2026, 3, 28, 21, 0, tzinfo=UTC)
        assert utc(fetched.end) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
        # The hour that does not exist in Amsterdam (02:00-03:00 local) is inside it.
        gap = datetime(2026, 3, 29, 1, 15, tzinfo=UTC)
        assert await cal.names(gap, gap + timedelta(minutes=30)) == {"over the DST change"}

        new_york = await cal.create(
            "New York",
            at(1, 10, zone=NEW_YORK),
            at(1, 11, zone=NEW_YORK),
            timezone="America/New_York",
        )
        fetched = await provider.get_event(cal.calendar_id, new_york.uid)
        assert utc(fetched.start) == datetime(2026, 3, 24, 14, 0, tzinfo=UTC)  # EDT, UTC-4
        assert await cal.names(at(1, 15), at(1, 16)) == {"New York"}  # 15:00 in Amsterdam

    async def test_recurring_series_expands_with_exdate(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        daily = {
            "timezone": "Europe/Amsterdam",
            "rrule": "FREQ=DAILY;COUNT=5",
            "exdates": (at(4, 9),),
        }
        if not cal.can(CalendarCapability.RECURRENCE):
            with pytest.raises(NotSupported):
                await cal.create("daily", at(3, 9), at(3, 10), **daily)
            return
        series = await cal.create("daily", at(3, 9), at(3, 10), **daily)
        occurrences = await cal.listed(at(0, 0), at(8, 0))
        # 09:00 in Amsterdam every day, whether CET (08:00 UTC) or CEST (07:00 UTC).
        wanted = [at(3, 9), at(5, 9), at(6, 9), at(7, 9)]
        assert [utc(e.start) for e in occurrences] == [utc(t) for t in wanted]
        assert [utc(e.end) - utc(e.start) for e in occurrences] == [timedelta(hours=1)] * 4
        assert {e.uid for e in occurrences} == {series.uid}
        assert [utc(e.recurrence_id) for e in occurrences] == [utc(t) for t in wanted]
        assert [cal.name_of(e) for e in await cal.listed(at(5, 0), at(6, 0))] == ["daily"]

        master = await provider.get_event(cal.calendar_id, series.uid)
        assert master.rrule is not None and "FREQ=DAILY" in master.rrule
        assert [utc(t) for t in master.exdates] == [utc(at(4, 9))]

        # A series without end is expanded only inside the window asked for.
        await cal.create("weekly", at(0, 16), at(0, 17), rrule="FREQ=WEEKLY;BYDAY=MO")
        a_year_on = at(364, 0), at(371, 0)
        found = await cal.listed(*a_year_on)
        assert [(cal.name_of(e), utc(e.start)) for e in found] == [("weekly", utc(at(364, 16)))]

    async def test_private_flag_is_kept(self, conformance_calendar: _Calendar) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        private = await cal.create("private", at(1, 9), at(1, 10), private=True)
        public = await cal.create("public", at(1, 11), at(1, 12), private=False)
        got_private = await provider.get_event(cal.calendar_id, private.uid)
        got_public = await provider.get_event(cal.calendar_id, public.uid)
        assert got_public.private is False
        # A provider that cannot mark events private must not claim they are.
        assert got_private.private is cal.can(CalendarCapability.PRIVATE_EVENTS)
        listed = {cal.name_of(e): e.private for e in await cal.listed(at(1, 0), at(2, 0))}
        assert listed == {"private": got_private.private, "public": False}

    async def test_attendees_and_their_responses_are_read_back(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        email = cal.under_test.attendee_email
        attendees = (
            Attendee(email, "Conformance Attendee"),
            Attendee(f"optional-{cal.tag}@example.org", optional=True),
        )
        if not cal.can(CalendarCapability.ATTENDEES):
            with pytest.raises(NotSupported):
                await cal.create("with attendees", at(1, 9), at(1, 10), attendees=attendees)
            return
        event = await cal.create("with attendees", at(1, 9), at(1, 10), attendees=attendees)
        fetched = await provider.get_event(cal.calendar_id, event.uid)
        invited = {a.email.casefold() for a in attendees}
        assert invited <= {a.email.casefold() for a in fetched.attendees}

        if not cal.can(CalendarCapability.RSVP_READBACK):
            try:
                responses = await provider.attendee_responses(cal.calendar_id, event.uid)
            except NotSupported:
                return
            assert set(responses) <= {a.email.casefold() for a in fetched.attendees}
            return
        responses = await provider.attendee_responses(cal.calendar_id, event.uid)
        assert responses[email.casefold()] is ResponseStatus.NEEDS_ACTION
        if cal.under_test.respond is None:
            return
        await _maybe_await(
            cal.under_test.respond(cal.calendar_id, event.uid, email, ResponseStatus.ACCEPTED)
        )
        responses = await provider.attendee_responses(cal.calendar_id, event.uid)
        assert responses[email.casefold()] is ResponseStatus.ACCEPTED
        assert responses[f"optional-{cal.tag}@example.org"] is ResponseStatus.NEEDS_ACTION
        fetched = await provider.get_event(cal.calendar_id, event.uid)
        assert fetched.response_of(email.upper()) is ResponseStatus.ACCEPTED

    async def test_a_shared_event_is_in_each_attendees_calendar(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes() or not cal.can(CalendarCapability.ATTENDEES):
            return
        email = cal.under_test.attendee_email
        event = await cal.create("shared", at(1, 9), at(1, 10), attendees=(Attendee(email),))
        if not cal.can(CalendarCapability.SHARED_EVENTS):
            fetched = await provider.get_event(cal.calendar_id, event.uid)
            assert fetched.response_of(email) is not None  # the invitation is kept, at least
            return
        theirs = cal.under_test.attendee_calendar_id
        assert theirs, "SHARED_EVENTS: give CalendarUnderTest.attendee_calendar_id"
        copy = await provider.get_event(theirs, event.uid)
        assert (copy.uid, copy.start, copy.end) == (event.uid, event.start, event.end)
        await provider.delete_event(cal.calendar_id, event.uid)
        with pytest.raises(EventNotFound):
            await provider.get_event(theirs, event.uid)

    async def test_conferences_are_made_with_the_event_and_move_with_it(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        with pytest.raises(NotSupported):
            await cal.create("unknown meeting", at(1, 9), at(1, 10), conference="no-such-video")
        for conference in provider.conferences:
            event = await cal.create(f"{conference} meeting", at(1, 9), at(1, 10),
                                     conference=conference)  # fmt: skip
            assert event.conference_url, f"{conference}: no link on the event made"
            again = await provider.create_event(
                cal.calendar_id, cal.draft(f"{conference} meeting", at(1, 9), at(1, 10),
                                           conference=conference), cal.key(f"{conference} meeting")
            )  # fmt: skip
            if cal.can(CalendarCapability.IDEMPOTENT_CREATE):
                assert (again.uid, again.conference_url) == (event.uid, event.conference_url)
            else:
                cal.created.append(again.uid)
            moved = await provider.update_event(
                cal.calendar_id, event.uid, cal.draft(f"{conference} meeting", at(2, 9),
                                                      at(2, 10), conference=conference)
            )  # fmt: skip
            assert moved.conference_url == event.conference_url

    # -------------------------------------------------------------- free/busy

    async def test_free_busy_matches_events_and_ignores_transparent_ones(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        await cal.create("busy", at(1, 10), at(1, 11))
        await cal.create("free", at(1, 12), at(1, 13), transparency=Transparency.FREE)
        await cal.create("tentative", at(1, 14), at(1, 15), transparency=Transparency.TENTATIVE)
        await cal.create("past midnight", at(1, 23), at(2, 1))
        start, end = at(1, 0), at(2, 0)

        result = await provider.free_busy([cal.calendar_id], start, end)
        intervals = {(utc(i.start), utc(i.end)): i.transparency for i in result[cal.calendar_id]}
        assert intervals[(utc(at(1, 10)), utc(at(1, 11)))] is Transparency.BUSY
        assert intervals[(utc(at(1, 14)), utc(at(1, 15)))] in (
            Transparency.TENTATIVE,
            Transparency.BUSY,
        )
        assert (utc(at(1, 23)), utc(end)) in intervals  # clipped to the window
        free_start, free_end = utc(at(1, 12)), utc(at(1, 13))
        assert not [span for span in intervals if span[0] < free_end and span[1] > free_start]
        assert all(utc(start) <= s < e <= utc(end) for s, e in intervals)

    # -------------------------------------------------------------- sync

    async def test_sync_reports_exactly_the_changes_since_the_cursor(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        kept = await cal.create("kept", at(1, 9), at(1, 10))
        edited = await cal.create("edited", at(1, 11), at(1, 12))
        removed = await cal.create("removed", at(1, 13), at(1, 14))
        initial = await provider.sync(cal.calendar_id, None)
        assert {kept.uid, edited.uid, removed.uid} <= {e.uid for e in initial.changed}
        assert initial.cursor

        await provider.update_event(
            cal.calendar_id, edited.uid, cal.draft("edited again", at(1, 15), at(1, 16))
        )
        await provider.delete_event(cal.calendar_id, removed.uid)
        added = await cal.create("added", at(2, 9), at(2, 10))
        later = await provider.sync(cal.calendar_id, initial.cursor)
        changed = {e.uid: e for e in later.changed if e.summary.startswith(f"[{cal.tag}] ")}

        if not cal.can(CalendarCapability.INCREMENTAL_SYNC):
            assert later.reset is True
            assert {kept.uid, edited.uid, added.uid} <= set(changed)
            assert removed.uid not in changed
            return
        assert later.reset is False
        assert set(changed) == {edited.uid, added.uid}
        assert changed[edited.uid].summary == cal.summary("edited again")
        # A deletion is named by uid, or by the object's resource (a CalDAV href).
        assert later.deleted + _uids_at(later.deleted_resources, initial.changed) == [removed.uid]
        quiet = await provider.sync(cal.calendar_id, later.cursor)
        assert (quiet.changed, quiet.deleted, quiet.reset) == ([], [], False)
        assert quiet.deleted_resources == []

    async def test_sync_with_a_garbage_cursor_starts_over(
        self, conformance_calendar: _Calendar
    ) -> None:
        cal, provider = conformance_calendar, conformance_calendar.provider
        if not await cal.writes():
            return
        event = await cal.create("present", at(1, 9), at(1, 10))
        for garbage in ("not-a-cursor-\N{SNOWMAN}", "0", ""):
            try:
                result = await provider.sync(cal.calendar_id, garbage)
            except CursorExpired:
                continue  # the other way to say it: core then starts over itself
            assert result.reset is True, garbage
            assert event.uid in {e.uid for e in result.changed}
            assert result.cursor and result.cursor != garbage

    # -------------------------------------------------------------- sync into core's cache

    async def test_sync_fills_cores_cache_then_changes_and_deletions_arrive(
        self, conformance_calendar: _Calendar, synced_cache: _SyncedCache
    ) -> None:
        cal, provider, synced = conformance_calendar, conformance_calendar.provider, synced_cache
        if not await cal.writes():
            return
        week = at(0, 0), at(7, 0)
        kept = await cal.create("kept", at(1, 9), at(1, 10))
        edited = await cal.create("edited", at(1, 11), at(1, 12))
        removed = await cal.create("removed", at(1, 13), at(1, 14))
        first = await synced.sync()
        assert first.mode == "full" and first.changed >= 3
        assert [name for name, *_ in synced.seen(*week)] == ["kept", "edited", "removed"]

        await provider.update_event(
            cal.calendar_id, edited.uid, cal.draft("edited again", at(2, 15), at(2, 16))
        )
        await provider.delete_event(cal.calendar_id, removed.uid)
        await cal.create("added", at(2, 9), at(2, 10))
        later = await synced.sync()
        incremental = cal.can(CalendarCapability.INCREMENTAL_SYNC)
        assert later.mode == ("incremental" if incremental else "full")
        assert later.deleted >= 1
        assert synced.seen(*week) == [
            ("kept", utc(at(1, 9)), utc(at(1, 10))),
            ("added", utc(at(2, 9)), utc(at(2, 10))),
            ("edited again", utc(at(2, 15)), utc(at(2, 16))),
        ]
        assert kept.uid in {e.uid for e in synced.listed(*week)}
        await synced.matches_the_provider(*week)

        quiet = await synced.sync()  # nothing changed at the provider: nothing changes here
        assert (quiet.changed, quiet.deleted) == (0, 0)

    async def test_sync_brings_an_override_added_to_a_series(
        self, conformance_calendar: _Calendar, synced_cache: _SyncedCache
    ) -> None:
        cal, synced = conformance_calendar, synced_cache
        if not await cal.writes() or not cal.can(CalendarCapability.RECURRENCE):
            return
        override = cal.under_test.override
        if override is None:
            pytest.skip("CalendarUnderTest.override is not given: overrides are not checked")
        daily = {"timezone": "Europe/Amsterdam", "rrule": "FREQ=DAILY;COUNT=4"}
        series = await cal.create("daily", at(1, 9), at(1, 10), **daily)
        await synced.sync()
        week = at(0, 0), at(7, 0)
        assert [t for _, t, _ in synced.seen(*week)] == [utc(at(d, 9)) for d in (1, 2, 3, 4)]

        moved = cal.draft("moved", at(2, 14), at(2, 15), timezone="Europe/Amsterdam")
        await _maybe_await(override(cal.calendar_id, series.uid, at(2, 9), moved))
        await synced.sync()
        assert synced.seen(*week) == [
            ("daily", utc(at(1, 9)), utc(at(1, 10))),
            ("moved", utc(at(2, 14)), utc(at(2, 15))),
            ("daily", utc(at(3, 9)), utc(at(3, 10))),
            ("daily", utc(at(4, 9)), utc(at(4, 10))),
        ]
        await synced.matches_the_provider(*week)

    async def test_sync_starts_over_when_its_cursor_is_refused(
        self, conformance_calendar: _Calendar, synced_cache: _SyncedCache
    ) -> None:
        cal, synced = conformance_calendar, synced_cache
        if not await cal.writes():
            return
        await cal.create("present", at(1, 9), at(1, 10))
        await synced.sync()
        # A stale copy: an event the provider never had, and a cursor it will not know.
        ghost = CalendarEvent(
            cal.summary("ghost"), utc(at(1, 11)), utc(at(1, 12)), uid=f"ghost-{cal.tag}"
        )
        synced.cache.put(synced.key, ghost)
        synced.db.execute("UPDATE calendar_sync SET cursor = 'not-a-cursor-\N{SNOWMAN}'")
        synced.db.conn.commit()
        report = await synced.sync()
        assert report.mode in ("incremental", "full")
        assert [name for name, *_ in synced.seen(at(0, 0), at(7, 0))] == ["present"]
        state = synced.cache.states([synced.key])[synced.key]
        assert state.cursor and state.cursor != "not-a-cursor-\N{SNOWMAN}"

    async def test_applying_the_same_sync_result_twice_changes_nothing(
        self, conformance_calendar: _Calendar, synced_cache: _SyncedCache
    ) -> None:
        cal, provider, synced = conformance_calendar, conformance_calendar.provider, synced_cache
        if not await cal.writes():
            return
        series = {"rrule": "FREQ=WEEKLY"} if cal.can(CalendarCapability.RECURRENCE) else {}
        edited = await cal.create("edited", at(1, 9), at(1, 10), **series)
        await cal.create("plain", at(2, 9), at(2, 10))
        first = await provider.sync(cal.calendar_id, None)
        full = SyncResult(first.changed, first.deleted, first.cursor, reset=True)
        now = provider.context.clock.now()
        synced.cache.apply(synced.key, full, now)
        before = synced.rows()
        again = synced.cache.apply(synced.key, full, now + timedelta(minutes=1))
        assert (again.changed, again.deleted, again.skipped) == (0, 0, [])
        assert synced.rows() == before

        await provider.update_event(
            cal.calendar_id, edited.uid, cal.draft("edited again", at(1, 11), at(1, 12))
        )
        later = await provider.sync(cal.calendar_id, first.cursor)
        synced.cache.apply(synced.key, later, now)
        after_once = synced.rows()
        assert after_once != before
        twice = synced.cache.apply(synced.key, later, now + timedelta(minutes=1))
        assert (twice.changed, twice.deleted) == (0, 0)
        assert synced.rows() == after_once

    # -------------------------------------------------------------- rooms

    async def test_list_rooms(self, conformance_calendar: _Calendar) -> None:
        cal = conformance_calendar
        if not cal.can(CalendarCapability.ROOMS):
            with pytest.raises(NotSupported):
                await cal.provider.list_rooms()
            return
        rooms = await cal.provider.list_rooms()
        assert all(isinstance(room, RoomInfo) and room.calendar_id and room.name for room in rooms)
        assert set(cal.under_test.room_calendar_ids) <= {room.calendar_id for room in rooms}


# ---------------------------------------------------------------------- conference


@dataclass
class ConferenceUnderTest:
    """What the conference suite needs to know about your provider."""

    provider: ConferenceProvider
    host_email: str
    """Someone allowed to host meetings at the provider."""
    unverified_email: str | None = None
    """Someone who may not host; required when the provider has VERIFIES_HOSTS."""


class _Conference:
    def __init__(self, under_test: ConferenceUnderTest) -> None:
        self.under_test = under_test
        self.provider = under_test.provider
        self.tag = uuid.uuid4().hex[:8]
        self.created: list[str] = []

    def can(self, capability: ConferenceCapability) -> bool:
        return capability in self.provider.capabilities

    def draft(self, start: datetime, end: datetime, topic: str = "Interview") -> MeetingDraft:
        return MeetingDraft(
            topic=f"[{self.tag}] {topic}",
            start=start,
            end=end,
            host_email=self.under_test.host_email,
            timezone="Europe/Amsterdam",
        )

    async def create(self, draft: MeetingDraft, key: str) -> Meeting:
        key = f"panelist-conformance-{self.tag}-{key}"
        meeting = await self.provider.create_meeting(draft, key)
        self.created.append(meeting.meeting_id)
        return meeting

    async def cleanup(self) -> None:
        for meeting_id in reversed(self.created):
            with contextlib.suppress(ProviderError):
                await self.provider.delete_meeting(meeting_id)


class ConferenceProviderConformance:
    """The video-conference provider contract as tests. Override `conference_under_test`."""

    pytestmark: ClassVar = [pytest.mark.anyio, pytest.mark.conformance]

    @pytest.fixture
    def anyio_backend(self) -> str:
        return "asyncio"

    @pytest.fixture
    def conference_under_test(self) -> ConferenceUnderTest:
        raise NotImplementedError(
            f"{type(self).__name__} must override the conference_under_test fixture "
            "to return a panelist.testing.ConferenceUnderTest"
        )

    @pytest.fixture
    async def conformance_conference(
        self, conference_under_test: ConferenceUnderTest
    ) -> AsyncIterator[_Conference]:
        conference = _Conference(conference_under_test)
        yield conference
        await conference.cleanup()

    async def test_declares_identity_and_capabilities(
        self, conformance_conference: _Conference
    ) -> None:
        provider = conformance_conference.provider
        assert isinstance(provider, ConferenceProvider)
        assert re.fullmatch(r"[a-z][a-z0-9_-]*", provider.id), provider.id
        assert provider.display_name.strip()
        assert isinstance(provider.capabilities, ConferenceCapability)

    async def test_check_answers_in_lines(self, conformance_conference: _Conference) -> None:
        """`panelist doctor` asks `check` (with no calendars): one-line `Check`s, no exception."""
        _assert_doctor_lines(await conformance_conference.provider.check([]), [])

    async def test_meeting_carries_the_draft(self, conformance_conference: _Conference) -> None:
        conf = conformance_conference
        draft = conf.draft(at(1, 10), at(1, 11))
        meeting = await conf.create(draft, "carries")
        assert meeting.meeting_id
        assert re.match(r"https?://\S+$", meeting.join_url), meeting.join_url
        assert re.match(r"https?://\S+$", conf.provider.join_link(meeting))
        assert (utc(meeting.start), utc(meeting.end)) == (utc(at(1, 10)), utc(at(1, 11)))
        assert meeting.host_email.casefold() == draft.host_email.casefold()
        if conf.can(ConferenceCapability.DIAL_IN):
            assert meeting.dial_in
        else:
            assert meeting.dial_in is None

    async def test_create_is_idempotent_per_key(self, conformance_conference: _Conference) -> None:
        conf = conformance_conference
        draft = conf.draft(at(1, 10), at(1, 11))
        first = await conf.create(draft, "same")
        again = await conf.create(draft, "same")
        other = await conf.create(draft, "other")
        assert other.meeting_id != first.meeting_id and other.join_url != first.join_url
        if conf.can(ConferenceCapability.IDEMPOTENT_CREATE):
            assert (again.meeting_id, again.join_url) == (first.meeting_id, first.join_url)
        else:  # core reconciles duplicates itself; the repeat must still be a real meeting
            assert again.meeting_id and again.join_url

    async def test_update_moves_the_meeting(self, conformance_conference: _Conference) -> None:
        conf = conformance_conference
        meeting = await conf.create(conf.draft(at(1, 10), at(1, 11)), "moved")
        moved = await conf.provider.update_meeting(
            meeting.meeting_id, conf.draft(at(6, 9), at(6, 10), topic="Interview, moved")
        )
        conf.created.append(moved.meeting_id)
        assert (utc(moved.start), utc(moved.end)) == (utc(at(6, 9)), utc(at(6, 10)))
        if conf.can(ConferenceCapability.UPDATE_IN_PLACE):
            assert (moved.meeting_id, moved.join_url) == (meeting.meeting_id, meeting.join_url)
        else:
            assert moved.join_url

    async def test_delete_twice_is_fine(self, conformance_conference: _Conference) -> None:
        conf = conformance_conference
        meeting = await conf.create(conf.draft(at(1, 10), at(1, 11)), "deleted")
        await conf.provider.delete_meeting(meeting.meeting_id)
        await conf.provider.delete_meeting(meeting.meeting_id)

    async def test_verified_host(self, conformance_conference: _Conference) -> None:
        conf = conformance_conference
        assert await conf.provider.is_verified_host(conf.under_test.host_email) is True
        if conf.can(ConferenceCapability.VERIFIES_HOSTS):
            unverified = conf.under_test.unverified_email
            assert unverified, "ConferenceUnderTest.unverified_email is needed for VERIFIES_HOSTS"
            assert await conf.provider.is_verified_host(unverified) is False
        else:
            assert await conf.provider.is_verified_host(f"anyone-{conf.tag}@example.org") is True

    async def test_a_hosts_meetings_are_listed_where_the_provider_lists_them(
        self, conformance_conference: _Conference
    ) -> None:
        conf = conformance_conference
        host = conf.under_test.host_email
        if not conf.can(ConferenceCapability.LISTS_HOST_MEETINGS):
            with pytest.raises(NotSupported):
                await conf.provider.host_meetings(host, at(1, 9), at(1, 18))
            return
        meeting = await conf.create(conf.draft(at(1, 10), at(1, 11)), "listed")
        during = await conf.provider.host_meetings(host, at(1, 10, 30), at(1, 12))
        assert meeting.meeting_id in {m.meeting_id for m in during}
        found = next(m for m in during if m.meeting_id == meeting.meeting_id)
        assert (utc(found.start), utc(found.end)) == (utc(at(1, 10)), utc(at(1, 11)))
        later = await conf.provider.host_meetings(host, at(1, 11), at(1, 12))
        assert meeting.meeting_id not in {m.meeting_id for m in later}  # ends as that starts

    async def test_meeting_that_ends_before_it_starts_is_refused(
        self, conformance_conference: _Conference
    ) -> None:
        conf = conformance_conference
        with pytest.raises(ValidationError):
            await conf.create(conf.draft(at(1, 11), at(1, 10)), "backwards")
