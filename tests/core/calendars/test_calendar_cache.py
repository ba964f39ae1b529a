"""The cache itself: applying results (incremental, reset, twice), window reads through
core's recurrence path (across a DST change, all-day events), write-through."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calendars_helpers import NOW
from sqlite_utils import Database

from panelist.calendars import CalendarCache, CalendarKey
from panelist.providers import ical
from panelist.providers.events import CalendarEvent, SyncResult, unreadable_reason
from panelist.workspace import Workspace

SAM = CalendarKey("scripted", "sam")
AMS = ZoneInfo("Europe/Amsterdam")


def event(uid: str, start: datetime, hours: float = 1, **more: Any) -> CalendarEvent:
    return CalendarEvent(
        summary=more.pop("summary", f"about {uid}"),
        start=start,
        end=start + timedelta(hours=hours),
        uid=uid,
        calendar_id="sam",
        **more,
    )


def rows(db: Database) -> list[tuple[Any, ...]]:
    return db.execute("SELECT * FROM calendar_objects ORDER BY uid, recurrence_id").fetchall()


def uids(events: list[CalendarEvent]) -> list[str]:
    return [e.uid for e in events]


def test_a_first_result_fills_then_changes_and_deletions_arrive(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    first = SyncResult([event("a", NOW), event("b", NOW + timedelta(hours=2))], [], "c1")
    report = cache.apply(SAM, first, NOW)
    assert (report.changed, report.deleted, report.skipped) == (2, 0, [])
    moved = event("a", NOW + timedelta(hours=4))
    report = cache.apply(SAM, SyncResult([moved], ["b"], "c2"), NOW)
    assert (report.changed, report.deleted) == (1, 1)
    found = cache.events(SAM, NOW, NOW + timedelta(days=1))
    assert [(e.uid, e.start) for e in found] == [("a", NOW + timedelta(hours=4))]
    state = cache.states([SAM])[SAM]
    assert (state.cursor, state.synced_at, state.error, state.mode) == ("c2", NOW, None, "events")


def test_a_reset_replaces_what_was_cached(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    series = event("s", NOW, rrule="FREQ=DAILY;COUNT=5")
    override = event("s", NOW + timedelta(days=1, hours=3), recurrence_id=NOW + timedelta(days=1))
    cache.apply(SAM, SyncResult([event("old", NOW), series, override], [], "c1"), NOW)
    report = cache.apply(SAM, SyncResult([series, event("new", NOW)], [], "c9", reset=True), NOW)
    assert report.deleted == 1  # "old"; the override of "s" went with it, "s" stays
    assert [(u, r) for _, _, u, r, *_ in rows(ws.db)] == [("new", ""), ("s", "")]
    assert cache.states([SAM])[SAM].cursor == "c9"


def test_applying_the_same_result_twice_changes_nothing(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    series = event("s", NOW, rrule="FREQ=WEEKLY")
    override = event("s", NOW + timedelta(days=7, hours=1), recurrence_id=NOW + timedelta(days=7))
    result = SyncResult([event("a", NOW), series, override], ["gone"], "c1")
    cache.apply(SAM, result, NOW)
    before = rows(ws.db)
    again = cache.apply(SAM, result, NOW + timedelta(minutes=5))
    assert (again.changed, again.deleted, again.skipped) == (0, 0, [])
    assert rows(ws.db) == before  # not even updated_at moved
    reset = SyncResult(result.changed, [], "c1", reset=True)
    assert cache.apply(SAM, reset, NOW + timedelta(minutes=9)).changed == 0
    assert rows(ws.db) == before


def test_deleted_resources_name_objects_by_the_providers_own_name(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    a = event("a", NOW, extra={"resource": "/cal/a.ics"})
    b = event("b", NOW, extra={"resource": "/cal/b.ics"})
    cache.apply(SAM, SyncResult([a, b], [], "c1"), NOW)
    report = cache.apply(SAM, SyncResult([], [], "c2", deleted_resources=["/cal/a.ics"]), NOW)
    assert report.deleted == 1
    assert uids(cache.events(SAM, NOW, NOW + timedelta(hours=1))) == ["b"]


def test_a_resource_deleted_and_sent_again_is_replaced_whole(ws: Workspace) -> None:
    """How CalDAV replaces an object: an override dropped from it goes too."""
    cache = CalendarCache(ws.db)
    extra = {"resource": "/cal/s.ics"}
    series = event("s", NOW, rrule="FREQ=DAILY;COUNT=3", extra=extra)
    moved = event("s", NOW + timedelta(hours=5), recurrence_id=NOW, extra=extra)
    cache.apply(SAM, SyncResult([series, moved], [], "c1"), NOW)
    cache.apply(SAM, SyncResult([series], [], "c2", deleted_resources=["/cal/s.ics"]), NOW)
    found = cache.events(SAM, NOW, NOW + timedelta(days=3))
    assert [e.start for e in found] == [NOW + timedelta(days=d) for d in range(3)]


def test_a_weekly_series_keeps_its_local_time_across_the_dst_change(ws: Workspace) -> None:
    """Europe/Amsterdam leaves summer time on Sunday 25 October 2026: 09:00 local is 07:00
    UTC before and 08:00 UTC after. An override moves one occurrence, another is cancelled."""
    cache = CalendarCache(ws.db)
    first = datetime(2026, 10, 5, 9, 0, tzinfo=AMS)
    series = event("standup", first, 0.5, rrule="FREQ=WEEKLY;BYDAY=MO", timezone="Europe/Amsterdam")
    moved = event(
        "standup",
        datetime(2026, 10, 20, 14, 0, tzinfo=AMS),
        0.5,
        recurrence_id=datetime(2026, 10, 19, 9, 0, tzinfo=AMS),
        timezone="Europe/Amsterdam",
    )
    cancelled = event(
        "standup",
        datetime(2026, 11, 2, 9, 0, tzinfo=AMS),
        0.5,
        recurrence_id=datetime(2026, 11, 2, 9, 0, tzinfo=AMS),
        cancelled=True,
    )
    cache.apply(SAM, SyncResult([series, moved, cancelled], [], "c1"), NOW)
    start, end = datetime(2026, 10, 12, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)
    found = cache.events(SAM, start, end)
    assert [e.start.astimezone(UTC).strftime("%m-%d %H:%M") for e in found] == [
        "10-12 07:00",
        "10-20 12:00",  # the moved one, 14:00 summer time
        "10-26 08:00",
        "11-09 08:00",
    ]
    # The same as core's one recurrence path gives for the provider's own objects.
    assert found == ical.expand_events([series, moved, cancelled], start, end)


def test_all_day_events_are_read_in_the_windows_zone(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    day_off = CalendarEvent("Day off", date(2026, 11, 25), date(2026, 11, 26), uid="off")
    cache.apply(SAM, SyncResult([day_off], [], "c1"), NOW)
    evening_before = datetime(2026, 11, 24, 23, 30, tzinfo=AMS)
    assert cache.events(SAM, evening_before, evening_before + timedelta(hours=1)) != []
    assert cache.events(SAM, evening_before - timedelta(hours=1), evening_before) == []
    # The same day starts later in New York: 23:30 in Amsterdam is still the 24th there.
    in_new_york = evening_before.astimezone(ZoneInfo("America/New_York"))
    assert cache.events(SAM, in_new_york, in_new_york + timedelta(hours=1)) == []


def test_a_window_read_looks_only_at_rows_that_may_overlap_it(ws: Workspace) -> None:
    """A row that cannot be read comes back as a placeholder, so which rows were decoded
    shows: a far-off single event is not, a series master and what overlaps are."""
    cache = CalendarCache(ws.db)
    far = event("far", NOW - timedelta(days=400))
    near = event("near", NOW + timedelta(hours=1))
    series = event("series", NOW - timedelta(days=400), rrule="FREQ=DAILY")
    ended = event("ended", NOW - timedelta(days=400), rrule="FREQ=DAILY;UNTIL=20261120T090000Z")
    ending = event("ending", NOW - timedelta(days=400), rrule="FREQ=DAILY;UNTIL=20261123")
    cache.apply(SAM, SyncResult([far, near, series, ended, ending], [], "c1"), NOW)
    ws.db.execute("UPDATE calendar_objects SET data = '{\"v\": 99}'")
    ws.db.conn.commit()
    found = cache.events(SAM, NOW, NOW + timedelta(hours=3))
    assert sorted((e.uid, bool(unreadable_reason(e))) for e in found) == [
        ("ending", True),
        ("near", True),
        ("series", True),
    ]
    plan = " ".join(
        str(row)
        for row in ws.db.execute(
            "EXPLAIN QUERY PLAN SELECT uid FROM calendar_objects WHERE provider = 'p'"
            " AND calendar_id = 'c' AND end_utc >= 'x' AND start_utc < 'y'"
        )
    )
    assert "calendar_objects_window" in plan


def test_a_series_that_ended_is_still_read_where_it_ran(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=AMS)
    ended = event(
        "ended", start, rrule="FREQ=WEEKLY;UNTIL=20260330T080000Z", timezone="Europe/Amsterdam"
    )
    cache.apply(SAM, SyncResult([ended], [], "c1"), NOW)
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 30, tzinfo=UTC))
    assert [e.start.astimezone(UTC).day for e in cache.events(SAM, *window)] == [2, 9, 16, 23, 30]
    assert cache.events(SAM, NOW, NOW + timedelta(days=7)) == []


def test_placeholders_are_kept_and_read_in_every_window(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    broken = ical.unreadable(event("odd", NOW - timedelta(days=30)), "RRULE cannot be read")
    cache.apply(SAM, SyncResult([broken], [], "c1"), NOW)
    found = cache.events(SAM, NOW, NOW + timedelta(hours=1))
    assert [(e.uid, unreadable_reason(e)) for e in found] == [("odd", "RRULE cannot be read")]


def test_our_own_writes_show_at_once_and_can_be_taken_back(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    cache.put(SAM, event("ours", NOW + timedelta(hours=2)))
    assert uids(cache.events(SAM, NOW, NOW + timedelta(hours=4))) == ["ours"]
    assert cache.states([SAM]) == {}  # a write is no sync: the calendar still needs one
    cache.remove(SAM, "ours")
    assert cache.events(SAM, NOW, NOW + timedelta(hours=4)) == []


def test_a_write_through_joins_the_callers_transaction(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    ws.db.execute("BEGIN IMMEDIATE")
    cache.put(SAM, event("ours", NOW))
    ws.db.execute("ROLLBACK")
    assert rows(ws.db) == []


def test_calendars_are_kept_apart(ws: Workspace) -> None:
    cache = CalendarCache(ws.db)
    other = CalendarKey("scripted", "amstel")
    cache.apply(SAM, SyncResult([event("a", NOW)], [], "c1"), NOW)
    cache.apply(other, SyncResult([event("a", NOW), event("b", NOW)], [], "x", reset=True), NOW)
    assert uids(cache.events(SAM, NOW, NOW + timedelta(hours=1))) == ["a"]
    assert cache.apply(other, SyncResult([], [], "y", reset=True), NOW).deleted == 2
    assert uids(cache.events(SAM, NOW, NOW + timedelta(hours=1))) == ["a"]
