"""CalDAV calendars in core's calendar cache, through `SyncService`, against a real Radicale.

Other calendar apps change the server with raw requests (or, for data Radicale
would refuse on PUT, by writing files into its storage folder). The provider's
`sync` is all the plugin does: the cache follows with few requests, deletions are
resolved by href, unreadable objects are reported (never by title) and a failing
server leaves the last good copy in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from caldav_helpers import Calendar, FlakyProxy, ics
from sqlite_utils import Database

from panelist.calendars import CalendarCache, CalendarKey, SyncReport, SyncService
from panelist.clock import FrozenClock
from panelist.errors import CursorExpired, NotSupported
from panelist.models import WorkingHours
from panelist.plugins import PluginRegistry
from panelist.providers import CalendarEvent, ResponseStatus, Transparency
from panelist.retry import RetryPolicy
from panelist.services.directory import find_employee_by_email
from panelist.workspace import Workspace
from panelist_caldav.provider import CalDAVCalendarProvider
from panelist_caldav.testing import RadicaleServer

pytestmark = pytest.mark.anyio

WEEK = datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
QUICK = RetryPolicy(budget_seconds=5.0, call_timeout_seconds=5.0, first_backoff_seconds=8.0)
"""No retries (the first wait is past the budget): a failing server is reported at once."""


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


class Synced:
    """A workspace whose one employee's calendar is `calendar_id` on the server at `url`."""

    def __init__(
        self, db: Database, db_path: Path, registry: PluginRegistry, clock: FrozenClock
    ) -> None:
        self.db, self.db_path, self.registry, self.clock = db, db_path, registry, clock
        self.workspaces: list[Workspace] = []

    def setup(self, url: str, user: str, calendar_id: str) -> None:
        settings = {"url": url, "username": user, "timeout": "5"}
        self.db["provider_settings"].upsert_all(
            [{"provider": "caldav", "key": k, "value": v} for k, v in settings.items()],
            pk=("provider", "key"),
        )
        self.db["employees"].insert(
            {
                "email": f"{user}@example.org",
                "name": "Ana de Vries",
                "timezone": "Europe/Amsterdam",
                "working_hours": WorkingHours.office().to_json(),
                "calendar_provider": "caldav",
                "calendar_id": calendar_id,
            }
        )
        self.db.conn.commit()
        self.user, self.key = user, CalendarKey("caldav", calendar_id)

    def point_at(self, url: str) -> None:
        """The server's URL changes (the next workspace's provider uses it)."""
        self.db["provider_settings"].upsert(
            {"provider": "caldav", "key": "url", "value": url}, pk=("provider", "key")
        )
        self.db.conn.commit()

    def workspace(self) -> Workspace:
        ana = find_employee_by_email(self.db, f"{self.user}@example.org")
        assert ana is not None
        ws = Workspace(self.db, self.db_path, self.registry, self.clock, ana)
        self.workspaces.append(ws)
        return ws

    def provider(self, ws: Workspace) -> CalDAVCalendarProvider:
        provider = ws.calendar_provider("caldav")
        assert isinstance(provider, CalDAVCalendarProvider)
        return provider

    async def sync(self, ws: Workspace | None = None, *, full: bool = False) -> SyncReport:
        ws = ws or (self.workspaces[-1] if self.workspaces else self.workspace())
        (report,) = await SyncService(ws, policy=QUICK).sync([self.key], full=full)
        return report

    def events(self, start: datetime = WEEK[0], end: datetime = WEEK[1]) -> list[CalendarEvent]:
        return CalendarCache(self.db).events(self.key, start, end)

    def summaries(self) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT uid, data FROM calendar_objects WHERE provider = 'caldav'"
            " AND calendar_id = ? AND recurrence_id = ''",
            [self.key.calendar_id],
        ).fetchall()
        from panelist.providers.ical import event_from_json

        return {uid: event_from_json(data).summary for uid, data in rows}

    def error(self) -> str | None:
        state = CalendarCache(self.db).states([self.key]).get(self.key)
        return state.error if state else None

    def cursor(self) -> str | None:
        state = CalendarCache(self.db).states([self.key]).get(self.key)
        return state.cursor if state else None

    async def close(self) -> None:
        for ws in self.workspaces:
            await self.provider(ws).aclose()


@pytest.fixture
async def synced(
    db: Database, db_path: Path, registry: PluginRegistry, clock: FrozenClock
) -> Iterator[Synced]:
    helper = Synced(db, db_path, registry, clock)
    yield helper
    await helper.close()


@pytest.fixture
def direct(synced: Synced, calendar: Calendar) -> Synced:
    synced.setup(calendar.server.url, calendar.user, calendar.calendar_id)
    return synced


@pytest.fixture
def proxied(synced: Synced, calendar: Calendar, flaky_proxy: FlakyProxy) -> Synced:
    synced.setup(flaky_proxy.url, calendar.user, calendar.calendar_id)
    return synced


async def test_first_sync_caches_everything_then_only_the_changes(
    calendar: Calendar, direct: Synced
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
    ws = direct.workspace()
    provider = direct.provider(ws)

    first = await direct.sync(ws)
    assert (first.mode, first.changed, first.skipped, first.error) == ("full", 22, [], None)
    assert provider.request_count == 2  # the calendar-query and the sync token
    rows = direct.db.execute(
        "SELECT uid, recurrence_id, etag, resource FROM calendar_objects WHERE calendar_id = ?",
        [calendar.calendar_id],
    ).fetchall()
    assert len(rows) == 22 and all(etag for _, _, etag, _ in rows)
    assert {resource for uid, _, _, resource in rows if uid == "e3"} == {
        f"/{calendar.calendar_id}e3.ics"
    }
    assert (direct.cursor() or "").startswith("caldav1|")

    # Masters and overrides are cached; reading expands the week as the server has it.
    daily_week = [e for e in direct.events() if e.uid == "daily"]
    assert len(daily_week) == 7
    assert [e.summary for e in daily_week].count("Daily (moved)") == 1

    calendar.put("e1.ics", event_ics("e1", "Event 1 moved", hour=15))
    assert calendar.delete("e2.ics") == 200
    calendar.put("e20.ics", event_ics("e20", "Event 20"))
    before = provider.request_count
    second = await direct.sync(ws)
    # One request: Radicale sends the changed data along with the sync-collection answer.
    assert (second.mode, second.changed, second.deleted) == ("incremental", 2, 1)
    assert provider.request_count - before == 1
    now = direct.summaries()
    assert now["e1"] == "Event 1 moved" and now["e20"] == "Event 20" and "e2" not in now
    assert len(now) == 21

    before = provider.request_count
    quiet = await direct.sync(ws)
    assert (quiet.changed, quiet.deleted, quiet.error) == (0, 0, None)
    assert provider.request_count - before == 1


async def test_a_deletion_is_resolved_by_href_whatever_the_file_is_called(
    calendar: Calendar, direct: Synced
) -> None:
    """Other apps name files as they like: the uid cannot be guessed from the href.

    Resources are unquoted paths, as servers differ in what they percent-encode."""
    calendar.put("b%40home.ics", event_ics("a", "Held by b@home.ics"))
    calendar.put("a.ics", event_ics("other", "Held by a.ics"))
    await direct.sync()
    assert direct.summaries() == {"a": "Held by b@home.ics", "other": "Held by a.ics"}
    (resource,) = direct.db.execute("SELECT resource FROM calendar_objects WHERE uid = 'a'")
    assert resource == (f"/{calendar.calendar_id}b@home.ics",)

    assert calendar.delete("b%40home.ics") == 200
    result = await direct.provider(direct.workspaces[-1]).sync(
        calendar.calendar_id, direct.cursor()
    )
    assert (result.deleted, result.deleted_resources) == ([], list(resource))
    report = await direct.sync()
    assert (report.deleted, direct.summaries()) == (1, {"other": "Held by a.ics"})


async def test_cached_events_keep_privacy_replies_and_their_resource(
    calendar: Calendar, direct: Synced
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
    await direct.sync()
    (offer,) = direct.events()
    assert offer.private is True
    assert offer.response_of("bob@example.org") is ResponseStatus.DECLINED
    assert offer.response_of("eve@example.org") is ResponseStatus.ACCEPTED
    assert offer.extra["resource"] == f"/{calendar.calendar_id}offer.ics" and offer.etag


async def test_a_refused_token_is_cursor_expired_and_the_engine_lists_the_calendar_again(
    calendar: Calendar, direct: Synced
) -> None:
    for n in range(10):
        calendar.put(f"e{n}.ics", event_ics(f"e{n}", f"Event {n}"))
    await direct.sync()
    good = direct.cursor() or ""
    # A token the server has forgotten (Radicale keeps them 30 days).
    forgotten = good.rsplit("|", 1)[0] + "|http://radicale.org/ns/sync/0"
    provider = direct.provider(direct.workspaces[-1])
    with pytest.raises(CursorExpired, match="no longer knows the sync token"):
        await provider.sync(calendar.calendar_id, forgotten)

    direct.db.execute("UPDATE calendar_sync SET cursor = ?", [forgotten])
    direct.db.conn.commit()
    calendar.put("e3.ics", event_ics("e3", "Event 3 renamed"))
    calendar.delete("e4.ics")
    report = await direct.sync()
    assert (report.mode, report.deleted, report.error) == ("full", 1, None)
    now = direct.summaries()
    assert now["e3"] == "Event 3 renamed" and "e4" not in now and len(now) == 9
    assert direct.cursor() not in (None, forgotten)


async def test_bad_items_are_skipped_and_reported_by_href_never_by_title(
    calendar: Calendar, direct: Synced
) -> None:
    server, cid = calendar.server, calendar.calendar_id
    for n in range(50):
        server.write_file(cid, f"e{n}.ics", event_ics(f"e{n}", f"Event {n}", 1 + n % 28))
    bad = {
        "sequence.ics": ics("seq", "DTSTART:20260324T090000Z", "SEQUENCE:abc", "SUMMARY:Pay rise"),
        "mars.ics": ics(
            "mars",
            "DTSTART;TZID=Mars/Olympus_Mons:20260324T090000",
            "DTEND;TZID=Mars/Olympus_Mons:20260324T100000",
            "SUMMARY:Pay rise",
        ),
        "backwards.ics": ics(
            "backwards", "DTSTART:20260324T100000Z", "DTEND:20260324T090000Z", "SUMMARY:Pay rise"
        ),
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
    provider = direct.provider(direct.workspace())

    result = await provider.sync(cid, None)
    problems = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in result.problems}
    assert set(problems) == {f"/{cid}{name}" for name in bad}
    assert "SEQUENCE" in problems[f"/{cid}sequence.ics"]
    assert problems[f"/{cid}mars.ics"] == "DTSTART: unknown timezone 'Mars/Olympus_Mons'"
    assert problems[f"/{cid}backwards.ics"] == "event 'backwards' ends before it starts"
    assert not any("Pay rise" in line for line in result.problems)

    report = await direct.sync()
    assert sorted(report.skipped) == sorted(result.problems)
    assert direct.error() is not None and "Pay rise" not in (direct.error() or "")
    rows = direct.summaries()
    assert len(rows) == 53 and not {"seq", "mars", "backwards"} & set(rows)
    cached = {e.uid: e for e in direct.events(datetime(2026, 3, 1, tzinfo=UTC), WEEK[1])}
    assert cached["custom"].start == datetime(2026, 3, 24, 9, tzinfo=UTC)
    all_day, instant = cached["all-day"], cached["instant"]
    assert (all_day.start, all_day.end) == (date(2026, 3, 25), date(2026, 3, 26))
    assert instant.end == instant.start


async def test_a_broken_new_version_keeps_the_last_good_one(
    calendar: Calendar, direct: Synced
) -> None:
    cid = calendar.calendar_id
    calendar.put("talk.ics", event_ics("talk", "Talk"))
    await direct.sync()
    broken = ics("talk", "DTSTART:20260324T090000Z", "SUMMARY:Talk v2", "SEQUENCE:two")
    calendar.server.write_file(cid, "talk.ics", broken)

    report = await direct.sync()
    assert [line.split(": ")[0] for line in report.skipped] == [f"/{cid}talk.ics"]
    assert direct.summaries() == {"talk": "Talk"}  # nothing in the cache is lost
    assert direct.error() is not None

    calendar.delete("talk.ics")
    gone = await direct.sync()
    assert (gone.deleted, gone.skipped, gone.error) == (1, [], None)
    assert direct.summaries() == {} and direct.error() is None


@pytest.mark.parametrize("failure", ["500", "timeout", "refused"])
async def test_a_failing_server_leaves_the_cache_alone_and_marks_it_stale(
    failure: str,
    calendar: Calendar,
    proxied: Synced,
    flaky_proxy: FlakyProxy,
    closed_port: int,
) -> None:
    for n in range(5):
        calendar.put(f"e{n}.ics", event_ics(f"e{n}", f"Event {n}"))
    await proxied.sync()
    before, cursor = proxied.summaries(), proxied.cursor()
    calendar.put("new.ics", event_ics("new", "New"))

    if failure == "500":
        flaky_proxy.fail_with(500)
    elif failure == "timeout":
        proxied.db.execute("UPDATE provider_settings SET value = '0.5' WHERE key = 'timeout'")
        proxied.db.conn.commit()
        proxied.workspace()
        flaky_proxy.stall(2.0)
    else:
        proxied.point_at(f"http://127.0.0.1:{closed_port}/")
        proxied.workspace()
    report = await proxied.sync()
    expected = {
        "500": "answered HTTP 500",
        "timeout": "did not answer within 0.5 s",
        "refused": "connection refused",
    }[failure]
    assert report.error is not None and expected in report.error
    assert proxied.summaries() == before and proxied.cursor() == cursor
    assert proxied.error() == report.error

    # Tokens are per URL: at the server's own address the calendar is listed again.
    flaky_proxy.heal()
    proxied.point_at(calendar.server.url)
    recovered = await proxied.sync(proxied.workspace())
    assert recovered.error is None
    assert "new" in proxied.summaries() and proxied.error() is None


async def test_a_failure_halfway_through_a_first_sync_writes_nothing(
    calendar: Calendar, proxied: Synced, flaky_proxy: FlakyProxy
) -> None:
    calendar.put("a.ics", event_ics("a", "A"))
    flaky_proxy.fail_with(500, method="REPORT", body_has=b"sync-collection")

    failed = await proxied.sync()
    assert failed.error is not None and "HTTP 500" in failed.error
    assert proxied.summaries() == {} and proxied.cursor() is None

    flaky_proxy.heal()
    healed = await proxied.sync()
    assert (healed.mode, healed.changed, healed.error) == ("full", 1, None)
    assert proxied.summaries() == {"a": "A"}


async def test_changes_between_the_query_and_the_token_are_reconciled_by_etag(
    calendar: Calendar, proxied: Synced, flaky_proxy: FlakyProxy
) -> None:
    """The token is taken after the query: what changed in between is read again at it."""
    for name in "abc":
        calendar.put(f"{name}.ics", event_ics(name, name.upper()))

    def other_app() -> None:
        calendar.put("a.ics", event_ics("a", "A edited"))
        calendar.delete("b.ics")
        calendar.put("d.ics", event_ics("d", "D"))

    flaky_proxy.before("REPORT", other_app, body_has=b"sync-collection")
    first = await proxied.sync()
    assert (first.mode, first.error) == ("full", None)
    assert proxied.summaries() == {"a": "A edited", "c": "C", "d": "D"}
    quiet = await proxied.sync()
    assert (quiet.changed, quiet.deleted) == (0, 0)


async def test_a_server_that_does_not_send_data_along_is_read_with_a_multiget(
    calendar: Calendar, proxied: Synced, flaky_proxy: FlakyProxy
) -> None:
    calendar.put("a.ics", event_ics("a", "A"))
    ws = proxied.workspace()
    await proxied.sync(ws)
    # As if the server ignored calendar-data in sync-collection: it then sends etags only.
    flaky_proxy.rewrite(
        b"<C:calendar-data/></D:prop></D:sync-collection>", b"</D:prop></D:sync-collection>"
    )
    calendar.put("a.ics", event_ics("a", "A edited"))
    calendar.put("b.ics", event_ics("b", "B"))

    before = proxied.provider(ws).request_count
    report = await proxied.sync(ws)
    assert (report.mode, report.changed) == ("incremental", 2)
    assert proxied.provider(ws).request_count - before == 2
    assert proxied.summaries() == {"a": "A edited", "b": "B"}
    assert [m for m, _ in flaky_proxy.seen[-2:]] == ["REPORT", "REPORT"]


async def test_a_calendar_shared_as_free_busy_only_is_cached_as_busy_blocks(
    radicale: RadicaleServer, synced: Synced
) -> None:
    owner, cid = "owner-cache-fb", f"owner-cache-fb/busy-{datetime.now(UTC):%H%M%S%f}/"
    radicale.make_calendar(owner, cid.split("/")[1])
    # The tests' clock stands at Monday 23 November 2026, 09:00 UTC.
    radicale.put_ics(owner, cid, "a.ics", event_ics("a", "Salary talk", 24, 9, 11))
    radicale.put_ics(owner, cid, "b.ics", event_ics("b", "Dentist", 25, 9, 11, "STATUS:TENTATIVE"))
    synced.setup(radicale.url, "viewer-cache-fb", cid)
    with pytest.raises(NotSupported, match="free/busy only"):
        await synced.provider(synced.workspace()).sync(cid, None)

    report = await synced.sync()
    assert (report.mode, report.changed, report.error) == ("free-busy", 2, None)
    nov = datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    blocks = sorted(synced.events(*nov), key=lambda e: e.start)
    assert [(b.summary, b.private, b.description) for b in blocks] == [("Busy", True, "")] * 2
    assert [b.transparency for b in blocks] == [Transparency.BUSY, Transparency.TENTATIVE]
    assert blocks[0].start == datetime(2026, 11, 24, 9, tzinfo=UTC)


async def test_a_server_that_sends_no_etags_with_the_query_is_read_again_with_a_multiget(
    calendar: Calendar, proxied: Synced, flaky_proxy: FlakyProxy
) -> None:
    """Without etags the query's data cannot be matched to the token: it is read again."""
    calendar.put("a.ics", event_ics("a", "A"))
    calendar.put("todo.ics", ics("todo", "SUMMARY:Not an event").replace("VEVENT", "VTODO"))
    flaky_proxy.rewrite(
        b"<D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter>",
        b"<D:prop><C:calendar-data/></D:prop><C:filter>",
    )
    ws = proxied.workspace()

    report = await proxied.sync(ws)
    assert (report.mode, report.changed, report.error) == ("full", 1, None)
    assert proxied.provider(ws).request_count == 3  # query, sync token, multiget
    assert proxied.summaries() == {"a": "A"}
    etags = proxied.db.execute("SELECT etag FROM calendar_objects").fetchall()
    assert etags and all(etag for (etag,) in etags)
