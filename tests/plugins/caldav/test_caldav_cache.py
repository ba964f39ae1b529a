"""Syncing CalDAV calendars into core's cache tables, against a real Radicale.

Other calendar apps change the server with raw requests (or, for data Radicale
would refuse on PUT, by writing files into its storage folder); the cache must
follow with few requests, skip and report what it cannot read, and never lose
what it holds when the server fails.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from caldav_helpers import Calendar, FlakyProxy, ProviderFactory, ics
from sqlite_utils import Database

from panelist.providers import CalendarEvent, ResponseStatus, Transparency
from panelist.providers.ical import event_from_json, expand_events
from panelist_caldav.cache import CalDAVCache
from panelist_caldav.testing import RadicaleServer

pytestmark = pytest.mark.anyio


def event_ics(
    uid: str, summary: str, day: int = 24, hour: int = 9, month: int = 3, *lines: str
) -> str:
    start = datetime(2026, month, day, hour, tzinfo=UTC)
    return ics(
        uid,
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{summary}",
        *lines,
    )


def cached(db: Database, calendar_id: str) -> dict[tuple[str, str], CalendarEvent]:
    rows = db.execute(
        "SELECT uid, recurrence_id, data FROM cache_events"
        " WHERE provider = 'caldav' AND calendar_id = ?",
        [calendar_id],
    ).fetchall()
    return {(uid, rid): event_from_json(data) for uid, rid, data in rows}


def summaries(db: Database, calendar_id: str) -> dict[str, str]:
    return {uid: e.summary for (uid, rid), e in cached(db, calendar_id).items() if rid == ""}


def state(db: Database, calendar_id: str) -> dict[str, str | None]:
    row = db.execute(
        "SELECT cursor, synced_at, error FROM cache_sync_state"
        " WHERE provider = 'caldav' AND calendar_id = ?",
        [calendar_id],
    ).fetchone()
    return dict(zip(("cursor", "synced_at", "error"), row, strict=True)) if row else {}


@pytest.fixture
def cache(db: Database, calendar: Calendar, make_provider: ProviderFactory) -> CalDAVCache:
    return CalDAVCache(db, make_provider(calendar.server.url, calendar.user, database=db))


async def test_first_sync_caches_everything_then_only_the_changes(
    db: Database, calendar: Calendar, cache: CalDAVCache
) -> None:
    for n in range(20):
        calendar.put(f"e{n}.ics", event_ics(f"e{n}", f"Event {n}", hour=8 + n % 8))
    override = (
        "BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\nUID:daily\r\n"
        "RECURRENCE-ID:20260325T070000Z\r\nDTSTART:20260325T120000Z\r\n"
        "DTEND:20260325T123000Z\r\nSUMMARY:Daily (moved)\r\nEND:VEVENT\r\n"
    )
    daily = ics(
        "daily",
        "DTSTART:20260323T070000Z",
        "DTEND:20260323T073000Z",
        "RRULE:FREQ=DAILY",
        "SUMMARY:Daily",
        extra_components=override,
    )
    calendar.put("daily.ics", daily)

    first = await cache.sync(calendar.calendar_id)
    assert (first.mode, first.fetched, first.written, first.error) == ("full", 21, 22, None)
    assert first.requests == 2  # sync-collection + one calendar-multiget
    rows = cached(db, calendar.calendar_id)
    assert len(rows) == 22 and ("daily", "2026-03-25T07:00:00+00:00") in rows
    objects = db.execute(
        "SELECT href, uid, etag FROM caldav_cache_objects WHERE calendar_id = ?",
        [calendar.calendar_id],
    ).fetchall()
    assert len(objects) == 21
    etag_of = {uid: etag for _, uid, etag in objects}
    assert all(href == f"/{calendar.calendar_id}{uid}.ics" for href, uid, _ in objects)
    assert all(rows[(uid, "")].etag == etag and etag for uid, etag in etag_of.items())
    assert state(db, calendar.calendar_id)["cursor"].startswith("caldav1|")

    # The cache holds masters and overrides; expanding it gives the week as the server has it.
    week = datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    daily_week = [e for e in expand_events(rows.values(), *week) if e.uid == "daily"]
    assert [e.summary for e in daily_week].count("Daily (moved)") == 1
    assert len(daily_week) == 7

    calendar.put("e1.ics", event_ics("e1", "Event 1 moved", hour=15))
    assert calendar.delete("e2.ics") == 200
    calendar.put("e20.ics", event_ics("e20", "Event 20"))
    second = await cache.sync(calendar.calendar_id)
    # One request: Radicale sends the changed data along with the sync-collection answer.
    assert (second.mode, second.fetched, second.deleted, second.requests) == (
        "incremental", 2, 1, 1
    )  # fmt: skip
    now = summaries(db, calendar.calendar_id)
    assert now["e1"] == "Event 1 moved" and now["e20"] == "Event 20" and "e2" not in now
    assert len(now) == 21

    quiet = await cache.sync(calendar.calendar_id)
    assert (quiet.fetched, quiet.written, quiet.deleted, quiet.requests) == (0, 0, 0, 1)


async def test_cached_events_keep_privacy_and_replies(
    db: Database, calendar: Calendar, cache: CalDAVCache
) -> None:
    calendar.put(
        "offer.ics",
        event_ics(
            "offer",
            "Offer talk",
            24,
            9,
            3,
            "CLASS:CONFIDENTIAL",
            "ATTENDEE;PARTSTAT=DECLINED:mailto:bob@example.org",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:eve@example.org",
        ),
    )
    await cache.sync(calendar.calendar_id)
    offer = cached(db, calendar.calendar_id)[("offer", "")]
    assert offer.private is True
    assert offer.response_of("bob@example.org") is ResponseStatus.DECLINED
    assert offer.response_of("eve@example.org") is ResponseStatus.ACCEPTED
    assert offer.extra["href"] == f"/{calendar.calendar_id}offer.ics" and offer.etag


async def test_a_refused_token_resyncs_fully_but_downloads_only_what_differs(
    db: Database, calendar: Calendar, cache: CalDAVCache
) -> None:
    for n in range(10):
        calendar.put(f"e{n}.ics", event_ics(f"e{n}", f"Event {n}"))
    await cache.sync(calendar.calendar_id)
    # A token the server has forgotten (Radicale keeps them 30 days).
    forgotten = cache.provider.cursor_for(calendar.calendar_id, "http://radicale.org/ns/sync/0")
    db.execute("UPDATE cache_sync_state SET cursor = ?", [forgotten])
    calendar.put("e3.ics", event_ics("e3", "Event 3 renamed"))
    calendar.delete("e4.ics")

    report = await cache.sync(calendar.calendar_id)
    assert (report.mode, report.fetched, report.deleted, report.error) == ("full", 1, 1, None)
    assert report.requests == 3  # refused sync, full listing, multiget of the one that differs
    now = summaries(db, calendar.calendar_id)
    assert now["e3"] == "Event 3 renamed" and "e4" not in now and len(now) == 9


async def test_bad_items_are_skipped_reported_by_href_and_keep_the_calendar_stale(
    db: Database, calendar: Calendar, make_provider: ProviderFactory
) -> None:
    server, cid = calendar.server, calendar.calendar_id
    # Radicale parses files written behind its back on first read: give it time.
    cache = CalDAVCache(db, make_provider(server.url, calendar.user, timeout="60"))
    for n in range(1000):  # a few bad ones among a thousand
        server.write_file(cid, f"e{n}.ics", event_ics(f"e{n}", f"Event {n}", 1 + n % 28))
    bad = {
        "sequence.ics": ics("seq", "DTSTART:20260324T090000Z", "SEQUENCE:abc"),
        "mars.ics": ics(
            "mars",
            "DTSTART;TZID=Mars/Olympus_Mons:20260324T090000",
            "DTEND;TZID=Mars/Olympus_Mons:20260324T100000",
        ),
        "backwards.ics": ics("backwards", "DTSTART:20260324T100000Z", "DTEND:20260324T090000Z"),
    }
    for name, data in bad.items():
        server.write_file(cid, name, data)
    # A zone of the sender's own making is fine when its VTIMEZONE comes along.
    custom_zone = (
        "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\n"
        "DTSTART:16010101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    custom = ics(
        "custom",
        "DTSTART;TZID=Customized Time Zone:20260324T120000",
        "DTEND;TZID=Customized Time Zone:20260324T130000",
        extra_components=custom_zone,
    )
    server.write_file(cid, "custom.ics", custom)
    # RFC 5545 defaults, not errors: a date lasts one day, a time no time at all.
    server.write_file(cid, "all-day.ics", ics("all-day", "DTSTART;VALUE=DATE:20260325"))
    server.write_file(cid, "instant.ics", ics("instant", "DTSTART:20260325T120000Z"))
    # Radicale itself hides what it cannot parse: it never reaches a client.
    server.write_file(cid, "garbage.ics", ics("garbage", "DTSTART:garbage"))

    report = await cache.sync(cid)
    assert set(report.skipped) == {f"/{cid}{name}" for name in bad}
    assert "SEQUENCE" in report.skipped[f"/{cid}sequence.ics"]
    assert report.skipped[f"/{cid}mars.ics"] == "DTSTART: unknown timezone 'Mars/Olympus_Mons'"
    assert report.skipped[f"/{cid}backwards.ics"] == "event 'backwards' ends before it starts"
    assert report.stale and report.error == state(db, cid)["error"]
    assert report.error.startswith("3 items could not be read: ")
    assert f"/{cid}mars.ics (DTSTART: unknown timezone" in report.error
    rows = cached(db, cid)
    assert len(rows) == 1003
    assert rows[("custom", "")].start == datetime(2026, 3, 24, 9, tzinfo=UTC)
    all_day, instant = rows[("all-day", "")], rows[("instant", "")]
    assert (all_day.start, all_day.end) == (date(2026, 3, 25), date(2026, 3, 26))
    assert instant.end == instant.start

    again = await cache.sync(cid)
    assert (again.fetched, again.skipped, again.error) == (0, {}, report.error)

    server.write_file(cid, "sequence.ics", ics("seq", "DTSTART:20260324T090000Z", "SEQUENCE:2"))
    fixed = await cache.sync(cid)
    assert fixed.fetched == 1 and ("seq", "") in cached(db, cid)
    assert fixed.error is not None and fixed.error.startswith("2 items could not be read")


async def test_a_broken_new_version_keeps_the_last_good_one(
    db: Database, calendar: Calendar, cache: CalDAVCache
) -> None:
    cid = calendar.calendar_id
    calendar.put("talk.ics", event_ics("talk", "Talk"))
    await cache.sync(cid)
    broken = ics("talk", "DTSTART:20260324T090000Z", "SUMMARY:Talk v2", "SEQUENCE:two")
    calendar.server.write_file(cid, "talk.ics", broken)

    report = await cache.sync(cid)
    assert list(report.skipped) == [f"/{cid}talk.ics"]
    assert summaries(db, cid) == {"talk": "Talk"}  # nothing in the cache is lost
    assert state(db, cid)["error"] is not None

    calendar.delete("talk.ics")
    gone = await cache.sync(cid)
    assert (gone.deleted, gone.error, summaries(db, cid)) == (1, None, {})
    assert state(db, cid)["error"] is None


@pytest.mark.parametrize("failure", ["500", "timeout", "refused"])
async def test_a_failing_server_leaves_the_cache_alone_and_marks_it_stale(
    failure: str,
    db: Database,
    calendar: Calendar,
    flaky_proxy: FlakyProxy,
    make_provider: ProviderFactory,
    closed_port: int,
) -> None:
    cid = calendar.calendar_id
    via_proxy = CalDAVCache(db, make_provider(flaky_proxy.url, calendar.user, timeout="0.5"))
    for n in range(5):
        calendar.put(f"e{n}.ics", event_ics(f"e{n}", f"Event {n}"))
    await via_proxy.sync(cid)
    before, state_before = cached(db, cid), state(db, cid)
    calendar.put("new.ics", event_ics("new", "New"))

    failing = via_proxy
    if failure == "500":
        flaky_proxy.fail_with(500)
    elif failure == "timeout":
        flaky_proxy.stall(2.0)
    else:
        failing = CalDAVCache(db, make_provider(f"http://127.0.0.1:{closed_port}/", calendar.user))
    report = await failing.sync(cid)
    expected = {
        "500": "answered HTTP 500",
        "timeout": "did not answer within 0.5 s",
        "refused": "connection refused",
    }[failure]
    assert report.error is not None and expected in report.error
    assert cached(db, cid) == before
    assert state(db, cid) == state_before | {"error": report.error}

    # Calendar ids are paths on the server, so the cache carries over to a direct URL;
    # tokens are per URL, so this is a full listing, which downloads only the new event.
    direct = CalDAVCache(db, make_provider(calendar.server.url, calendar.user))
    recovered = await direct.sync(cid)
    assert (recovered.mode, recovered.fetched, recovered.error) == ("full", 1, None)
    assert ("new", "") in cached(db, cid) and state(db, cid)["error"] is None


async def test_a_failure_halfway_through_a_sync_writes_nothing(
    db: Database, calendar: Calendar, flaky_proxy: FlakyProxy, make_provider: ProviderFactory
) -> None:
    cid = calendar.calendar_id
    cache = CalDAVCache(db, make_provider(flaky_proxy.url, calendar.user))
    calendar.put("a.ics", event_ics("a", "A"))
    await cache.sync(cid)
    # A forgotten token: the next round lists the calendar, then downloads what differs.
    forgotten = cache.provider.cursor_for(cid, "http://radicale.org/ns/sync/0")
    db["cache_sync_state"].update(("caldav", cid), {"cursor": forgotten})
    calendar.put("b.ics", event_ics("b", "B"))
    calendar.delete("a.ics")
    flaky_proxy.fail_with(500, method="REPORT", body_has=b"calendar-multiget")

    failed = await cache.sync(cid)
    assert failed.error is not None and "HTTP 500" in failed.error
    assert summaries(db, cid) == {"a": "A"} and state(db, cid)["cursor"] == forgotten

    flaky_proxy.heal()
    healed = await cache.sync(cid)
    assert (healed.mode, healed.fetched, healed.deleted, healed.error) == ("full", 1, 1, None)
    assert summaries(db, cid) == {"b": "B"}


async def test_a_server_that_does_not_send_data_along_is_read_with_a_multiget(
    db: Database, calendar: Calendar, flaky_proxy: FlakyProxy, make_provider: ProviderFactory
) -> None:
    cid = calendar.calendar_id
    cache = CalDAVCache(db, make_provider(flaky_proxy.url, calendar.user))
    calendar.put("a.ics", event_ics("a", "A"))
    await cache.sync(cid)
    # As if the server ignored calendar-data in sync-collection: it then sends etags only.
    flaky_proxy.rewrite(
        b"<C:calendar-data/></D:prop></D:sync-collection>", b"</D:prop></D:sync-collection>"
    )
    calendar.put("a.ics", event_ics("a", "A edited"))
    calendar.put("b.ics", event_ics("b", "B"))

    report = await cache.sync(cid)
    assert (report.mode, report.fetched, report.requests) == ("incremental", 2, 2)
    assert summaries(db, cid) == {"a": "A edited", "b": "B"}
    assert [m for m, _ in flaky_proxy.seen[-2:]] == ["REPORT", "REPORT"]


async def test_a_calendar_shared_as_free_busy_only_is_cached_as_busy_blocks(
    db: Database, radicale: RadicaleServer, make_provider: ProviderFactory
) -> None:
    owner, cid = "owner-cache-fb", f"owner-cache-fb/busy-{datetime.now(UTC):%H%M%S%f}/"
    radicale.make_calendar(owner, cid.split("/")[1])
    # The tests' clock stands at Monday 23 November 2026, 09:00 UTC.
    radicale.put_ics(owner, cid, "a.ics", event_ics("a", "Salary talk", 24, 9, 11))
    radicale.put_ics(owner, cid, "b.ics", event_ics("b", "Dentist", 25, 9, 11, "STATUS:TENTATIVE"))
    cache = CalDAVCache(db, make_provider(radicale.url, "viewer-cache-fb", database=db))

    report = await cache.sync(cid)
    assert (report.mode, report.written, report.error) == ("free-busy", 2, None)
    blocks = sorted(cached(db, cid).values(), key=lambda e: e.start)
    assert [(b.summary, b.private, b.description) for b in blocks] == [("Busy", True, "")] * 2
    assert [b.transparency for b in blocks] == [Transparency.BUSY, Transparency.TENTATIVE]
    assert blocks[0].start == datetime(2026, 11, 24, 9, tzinfo=UTC)
    again = await cache.sync(cid)
    assert again.written == 2 and cached(db, cid).keys() == {(b.uid, "") for b in blocks}


async def test_an_event_deleted_between_listing_and_download_is_dropped(
    db: Database, calendar: Calendar, flaky_proxy: FlakyProxy, make_provider: ProviderFactory
) -> None:
    cid = calendar.calendar_id
    cache = CalDAVCache(db, make_provider(flaky_proxy.url, calendar.user))
    calendar.put("a.ics", event_ics("a", "A"))
    calendar.put("b.ics", event_ics("b", "B"))
    flaky_proxy.before("REPORT", lambda: calendar.delete("b.ics"), body_has=b"calendar-multiget")

    report = await cache.sync(cid)
    assert (report.mode, report.fetched, report.skipped, report.error) == ("full", 1, {}, None)
    assert summaries(db, cid) == {"a": "A"}
    assert db["caldav_cache_objects"].count == 1
