"""What the local calendar does beyond the conformance suite."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.errors import EventNotFound, ProviderConflict, ValidationError
from panelist.providers import (
    Attendee,
    EventDraft,
    ProviderContext,
    ResponseStatus,
    Transparency,
)
from panelist.providers.events import unreadable_reason
from panelist.storage.database import open_database
from panelist_local import plugin
from panelist_local.migrations import local_migrations
from panelist_local.provider import LocalCalendarProvider

pytestmark = pytest.mark.anyio
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
ANA = "ana@example.org"
MONDAY = date(2026, 3, 23)


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = AMSTERDAM) -> datetime:
    """`day` days after Monday 23 March 2026."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), zone)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "panelist.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(db_path, [local_migrations])
    yield database
    database.close()


@pytest.fixture
def local(db: Database, panelist_clock: FrozenClock) -> LocalCalendarProvider:
    return LocalCalendarProvider(ProviderContext(database=db, clock=panelist_clock))


def interview(name: str = "Interview", day: int = 1, hour: int = 10, **values: Any) -> EventDraft:
    return EventDraft(name, at(day, hour), at(day, hour + 1), **values)


def rows(db: Database, where: str = "1", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM local_events WHERE {where} ORDER BY id", params))


# ------------------------------------------------------------------ plugin


def test_plugin_registers_the_provider_and_its_migrations() -> None:
    providers: list[type] = []
    migrations: list[Any] = []
    plugin.register_calendar_providers(providers.append)
    plugin.register_migrations(migrations.append)
    assert providers == [LocalCalendarProvider]
    assert [m.scope for m in migrations] == ["local"]


def test_importing_the_plugin_does_not_import_icalendar() -> None:
    code = "import sys, panelist_local.plugin; print('icalendar' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_tables_are_prefixed_local(db: Database) -> None:
    plugin_tables = {t for t in db.table_names() if t.startswith("local")}
    assert plugin_tables == {"local_events", "local_meta"}


# ------------------------------------------------------------------ RSVP


async def test_set_response_is_read_back_and_synced(local: LocalCalendarProvider) -> None:
    event = await local.create_event(
        ANA, interview(attendees=(Attendee("Bob@Example.org"), Attendee("carol@example.org"))), "k"
    )
    before = await local.sync(ANA, None)

    updated = local.set_response(ANA, event.uid, "bob@example.org", "declined")

    assert updated.response_of("bob@example.org") is ResponseStatus.DECLINED
    assert await local.attendee_responses(ANA, event.uid) == {
        "bob@example.org": ResponseStatus.DECLINED,
        "carol@example.org": ResponseStatus.NEEDS_ACTION,
    }
    assert updated.sequence == event.sequence  # a reply is not a new version
    after = await local.sync(ANA, before.cursor)
    assert [e.uid for e in after.changed] == [event.uid]


async def test_set_response_of_a_stranger_or_a_missing_event_fails(
    local: LocalCalendarProvider,
) -> None:
    event = await local.create_event(ANA, interview(attendees=(Attendee("bob@example.org"),)), "k")
    with pytest.raises(ValidationError, match=r"mallory@example\.org is not an attendee"):
        local.set_response(ANA, event.uid, "mallory@example.org", ResponseStatus.ACCEPTED)
    with pytest.raises(EventNotFound):
        local.set_response(ANA, "no-such-uid", "bob@example.org", ResponseStatus.ACCEPTED)


async def test_responses_survive_an_edit_but_not_a_new_time(local: LocalCalendarProvider) -> None:
    bob = Attendee("bob@example.org")
    event = await local.create_event(ANA, interview(attendees=(bob,)), "k")
    local.set_response(ANA, event.uid, bob.email, ResponseStatus.ACCEPTED)

    renamed = await local.update_event(ANA, event.uid, interview("Renamed", attendees=(bob,)))
    assert renamed.response_of(bob.email) is ResponseStatus.ACCEPTED
    moved = await local.update_event(ANA, event.uid, interview(hour=14, attendees=(bob,)))
    assert moved.response_of(bob.email) is ResponseStatus.NEEDS_ACTION
    assert (event.sequence, renamed.sequence, moved.sequence) == (0, 1, 2)


# ------------------------------------------------------------------ bulk create


async def test_bulk_create_writes_thousands_of_events_quickly(
    local: LocalCalendarProvider, db: Database
) -> None:
    drafts = [
        (interview(f"Event {i}", day=i % 28, hour=8 + i % 9), f"demo-{i}") for i in range(4000)
    ]
    started = perf_counter()
    created = local.bulk_create(ANA, drafts)
    elapsed = perf_counter() - started

    assert elapsed < 2.5, f"bulk_create of 4000 events took {elapsed:.2f} s"
    assert [e.summary for e in created] == [d.summary for d, _ in drafts]
    assert db.execute("SELECT COUNT(*) FROM local_events").fetchone()[0] == 4000
    tuesday = await local.list_events(ANA, at(1, 0), at(2, 0))
    assert len(tuesday) == len([i for i in range(4000) if i % 28 == 1])


async def test_bulk_create_is_idempotent_per_key(
    local: LocalCalendarProvider, db: Database
) -> None:
    first = local.bulk_create(ANA, [(interview("A"), "a"), (interview("B"), "b")])
    again = local.bulk_create(
        ANA, [(interview("A"), "a"), (interview("C"), "c"), (interview("C2"), "c")]
    )
    assert again[0] == first[0]
    assert again[1] == again[2]  # a key twice in one batch is one event
    assert [r["idempotency_key"] for r in rows(db)] == ["a", "b", "c"]


async def test_bulk_create_writes_nothing_when_one_draft_is_bad(
    local: LocalCalendarProvider, db: Database
) -> None:
    bad = EventDraft("Backwards", at(1, 11), at(1, 10))
    with pytest.raises(ValidationError, match=r"^the event: ends before it starts"):
        local.bulk_create(ANA, [(interview("Fine"), "fine"), (bad, "bad")])
    assert rows(db) == []


async def test_an_idempotency_key_belongs_to_one_calendar(local: LocalCalendarProvider) -> None:
    await local.create_event(ANA, interview(), "shared-key")
    with pytest.raises(ProviderConflict, match="already used in calendar"):
        await local.create_event("bob@example.org", interview(), "shared-key")


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("start", "end", "zone", "message"),
    [
        (at(1, 11), at(1, 10), None, "ends before it starts"),
        (at(1, 10), at(1, 10), None, "has no duration"),
        (at(1, 10), at(1, 11), "Europe/Atlantis", "unknown timezone 'Europe/Atlantis'"),
        (at(1, 10), datetime(2026, 3, 24, 11), None, "both"),
        (date(2026, 3, 24), at(1, 11), None, "both"),
    ],
)
async def test_bad_drafts_are_refused_without_quoting_their_title(
    local: LocalCalendarProvider, start: Any, end: Any, zone: str | None, message: str
) -> None:
    draft = EventDraft("Interview Ana", start, end, timezone=zone)
    with pytest.raises(ValidationError, match=message) as caught:
        await local.create_event(ANA, draft, "k")
    assert "Interview Ana" not in str(caught.value)  # a title may be private


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ('{"summary": "Zorblax"}', "unsupported event JSON version None"),
        ('"Zorblax"', "not a Panelist event JSON: a str, not an object"),
        ('["Zorblax"]', "not a Panelist event JSON: a list, not an object"),
        ('{"v": 1, "summary": "Zorblax"}', "not a Panelist event JSON: it lacks 'uid'"),
        ("{Zorblax", "Expecting property name"),
    ],
)
async def test_a_row_that_is_not_an_event_is_reported_and_the_rest_listed(
    local: LocalCalendarProvider, db: Database, data: str, reason: str
) -> None:
    """A row edited by hand (or by an older bug) makes only that event unknown."""
    kept = await local.create_event(ANA, interview("Kept"), "kept")
    broken = await local.create_event(ANA, interview("Zorblax clinic", hour=14), "broken")
    db.execute("UPDATE local_events SET data = ? WHERE uid = ?", [data, broken.uid])
    listed = await local.list_events(ANA, at(1, 0), at(2, 0))
    readable = [e for e in listed if unreadable_reason(e) is None]
    (unknown,) = [e for e in listed if unreadable_reason(e) is not None]
    assert [e.uid for e in readable] == [kept.uid]
    assert (unknown.uid, unknown.transparency) == (broken.uid, Transparency.FREE)
    assert (unreadable_reason(unknown) or "").startswith(reason)
    assert "Zorblax" not in repr(listed)


async def test_invalid_rrule_is_refused(local: LocalCalendarProvider) -> None:
    with pytest.raises(ValidationError, match="RRULE"):
        await local.create_event(ANA, interview(rrule="FREQ=SOMETIMES"), "k")


async def test_an_rrule_with_an_unknown_part_is_refused(local: LocalCalendarProvider) -> None:
    with pytest.raises(ValidationError, match="unknown part UNTL"):
        await local.create_event(ANA, interview(rrule="FREQ=WEEKLY;UNTL=20191023;BYDAY=TH"), "k")


async def test_a_stored_series_with_an_unknown_rule_part_is_reported_and_the_rest_listed(
    local: LocalCalendarProvider, db: Database
) -> None:
    """A series written before that check (or by another tool) makes only itself unknown."""
    kept = await local.create_event(ANA, interview("Kept"), "kept")
    weekly = interview("Zorblax clinic", hour=14, rrule="FREQ=WEEKLY;BYDAY=TU")
    broken = await local.create_event(ANA, weekly, "broken")
    (data,) = db.execute("SELECT data FROM local_events WHERE uid = ?", [broken.uid]).fetchone()
    db.execute(
        "UPDATE local_events SET data = ? WHERE uid = ?",
        [data.replace("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;UNTL=20191023;BYDAY=TH"), broken.uid],
    )
    listed = await local.list_events(ANA, at(1, 0), at(2, 0))
    assert [(e.uid, unreadable_reason(e)) for e in listed] == [
        (kept.uid, None),
        (broken.uid, "RRULE 'FREQ=WEEKLY;UNTL=20191023;BYDAY=TH' has an unknown part UNTL"),
    ]
    assert "Zorblax" not in repr(listed)


# ------------------------------------------------------------------ tombstones and sync


async def test_delete_leaves_a_tombstone_that_sync_reports(
    local: LocalCalendarProvider, db: Database
) -> None:
    event = await local.create_event(ANA, interview(), "k")
    start = await local.sync(ANA, None)
    await local.delete_event(ANA, event.uid)

    [row] = rows(db)
    assert (row["uid"], row["deleted"]) == (event.uid, 1)
    assert await local.list_events(ANA, at(0, 0), at(7, 0)) == []
    assert (await local.sync(ANA, start.cursor)).deleted == [event.uid]
    # A full listing after the delete no longer mentions it at all.
    assert (await local.sync(ANA, None)).changed == []


async def test_a_deleted_events_key_cannot_silently_make_a_new_one(
    local: LocalCalendarProvider,
) -> None:
    event = await local.create_event(ANA, interview(), "k")
    await local.delete_event(ANA, event.uid)
    with pytest.raises(ProviderConflict, match="has been deleted"):
        await local.create_event(ANA, interview(), "k")


async def test_cursors_belong_to_one_calendar_and_one_database(
    local: LocalCalendarProvider, tmp_path: Path, panelist_clock: FrozenClock
) -> None:
    await local.create_event(ANA, interview(), "k")
    cursor = (await local.sync(ANA, None)).cursor
    assert (await local.sync(ANA, cursor)).reset is False
    assert (await local.sync("bob@example.org", cursor)).reset is True

    other_db = open_database(tmp_path / "other.db", [local_migrations])
    other = LocalCalendarProvider(ProviderContext(database=other_db, clock=panelist_clock))
    await other.create_event(ANA, interview(), "k")
    assert (await other.sync(ANA, cursor)).reset is True
    other_db.close()


async def test_two_sessions_on_one_file_see_each_others_changes(
    local: LocalCalendarProvider, db_path: Path, panelist_clock: FrozenClock
) -> None:
    second_db = open_database(db_path, [local_migrations])
    second = LocalCalendarProvider(ProviderContext(database=second_db, clock=panelist_clock))
    cursor = (await local.sync(ANA, None)).cursor

    made_elsewhere = await second.create_event(ANA, interview(), "k")

    assert [e.uid for e in (await local.sync(ANA, cursor)).changed] == [made_elsewhere.uid]
    assert (await local.get_event(ANA, made_elsewhere.uid)).summary == "Interview"
    second_db.close()


# ------------------------------------------------------------------ kinds of events


async def test_floating_and_all_day_events_are_read_in_the_windows_zone(
    local: LocalCalendarProvider,
) -> None:
    floating = EventDraft("Lunch", datetime(2026, 3, 24, 12), datetime(2026, 3, 24, 13))
    await local.create_event(ANA, floating, "lunch")
    await local.create_event(
        ANA, EventDraft("Day off", date(2026, 3, 25), date(2026, 3, 26)), "off"
    )

    # Noon floating is noon wherever you look from.
    assert [e.summary for e in await local.list_events(ANA, at(1, 12), at(1, 13))] == ["Lunch"]
    noon_ny = at(1, 12, zone=NEW_YORK), at(1, 13, zone=NEW_YORK)
    assert [e.summary for e in await local.list_events(ANA, *noon_ny)] == ["Lunch"]
    [day_off] = await local.list_events(ANA, at(2, 0), at(3, 0))
    assert (day_off.start, day_off.end, day_off.timezone) == (
        date(2026, 3, 25),
        date(2026, 3, 26),
        None,
    )
    # Just before midnight in Amsterdam is already the 25th in UTC+14, not here.
    assert await local.list_events(ANA, at(1, 23), at(2, 0)) == []


async def test_overridden_occurrence_replaces_the_original(local: LocalCalendarProvider) -> None:
    series = await local.create_event(
        ANA, EventDraft("Standup", at(0, 9), at(0, 9, 15), rrule="FREQ=DAILY"), "standup"
    )
    cursor = (await local.sync(ANA, None)).cursor
    override = local.override_occurrence(
        ANA,
        series.uid,
        datetime(2026, 3, 26, 9, 0),  # wall time in the series' zone
        EventDraft("Standup (late)", at(3, 16), at(3, 16, 15)),
    )

    thursday = await local.list_events(ANA, at(3, 0), at(4, 0))
    assert [(e.summary, e.start, e.recurrence_id) for e in thursday] == [
        ("Standup (late)", at(3, 16), at(3, 9))
    ]
    assert {e.uid for e in thursday} == {series.uid}
    changes = await local.sync(ANA, cursor)
    assert [(e.uid, e.recurrence_id) for e in changes.changed] == [(series.uid, at(3, 9))]
    assert override.recurrence_id == at(3, 9)

    again = local.override_occurrence(
        ANA, series.uid, at(3, 9), EventDraft("Standup (later)", at(3, 17), at(3, 17, 15))
    )
    assert again.sequence == override.sequence + 1
    thursday = await local.list_events(ANA, at(3, 0), at(4, 0))
    assert [e.summary for e in thursday] == ["Standup (later)"]


async def test_an_occurrence_moved_into_the_window_is_found(local: LocalCalendarProvider) -> None:
    series = await local.create_event(
        ANA,
        EventDraft("Weekly", at(0, 9), at(0, 10), rrule="FREQ=WEEKLY;COUNT=3"),
        "weekly",
    )
    # The second Monday's meeting moves to Friday of the first week.
    local.override_occurrence(ANA, series.uid, at(7, 9), EventDraft("Weekly", at(4, 9), at(4, 10)))
    friday = await local.list_events(ANA, at(4, 0), at(5, 0))
    assert [(e.start, e.recurrence_id) for e in friday] == [(at(4, 9), at(7, 9))]
    assert await local.list_events(ANA, at(7, 0), at(8, 0)) == []


async def test_override_needs_a_real_occurrence(local: LocalCalendarProvider) -> None:
    series = await local.create_event(
        ANA, EventDraft("Standup", at(0, 9), at(0, 9, 15), rrule="FREQ=DAILY"), "standup"
    )
    single = await local.create_event(ANA, interview(), "single")
    with pytest.raises(ValidationError, match="no occurrence"):
        local.override_occurrence(ANA, series.uid, at(1, 10), interview())
    with pytest.raises(ValidationError, match="not a recurring series"):
        local.override_occurrence(ANA, single.uid, at(1, 10), interview())


async def test_deleting_a_series_removes_its_overrides(local: LocalCalendarProvider) -> None:
    series = await local.create_event(
        ANA, EventDraft("Standup", at(0, 9), at(0, 9, 15), rrule="FREQ=DAILY"), "standup"
    )
    local.override_occurrence(ANA, series.uid, at(1, 9), interview("Moved", day=1, hour=15))
    await local.delete_event(ANA, series.uid)
    assert await local.list_events(ANA, at(0, 0), at(7, 0)) == []


async def test_rooms_come_from_the_core_rooms_table(
    local: LocalCalendarProvider, db: Database
) -> None:
    db["rooms"].insert_all(
        [
            {"name": "Amstel", "capacity": 6, "location": "Floor 2"}
            | {"calendar_provider": "local", "calendar_id": "room:Amstel"},
            {"name": "Hudson", "capacity": 4, "location": ""}
            | {"calendar_provider": "google", "calendar_id": "hudson@resource.example.org"},
            {"name": "Unbooked", "capacity": 2, "location": ""},
        ]
    )
    [room] = await local.list_rooms()
    assert (room.calendar_id, room.name, room.capacity, room.building) == (
        "room:Amstel",
        "Amstel",
        6,
        "Floor 2",
    )


async def test_events_are_stored_with_the_clock_time(
    local: LocalCalendarProvider, db: Database, panelist_clock: FrozenClock
) -> None:
    await local.create_event(ANA, interview(), "k")
    assert rows(db)[0]["updated_at"] == panelist_clock.now().astimezone(UTC).isoformat(
        timespec="seconds"
    )
