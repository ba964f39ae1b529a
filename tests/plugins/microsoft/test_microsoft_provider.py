"""The microsoft provider against the fake Graph through the real msgraph-sdk and
azure-identity: paging, delta, transactionId, getSchedule, rooms, Teams, zones, errors,
throttling and JSON batching."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from microsoft_helpers import make_provider, settings_for
from microsoft_tenant import ANA, BOB, CARL, CLIENT_ID, ROOM

import panelist_microsoft.provider as provider_module
from panelist.errors import (
    AuthenticationFailed,
    CursorExpired,
    EventNotFound,
    NotSupported,
    ProviderError,
    ProviderUnavailable,
)
from panelist.providers import Attendee, EventDraft, ResponseStatus, Transparency
from panelist_microsoft.testing import FakeGraph

pytestmark = pytest.mark.anyio
AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 3, 23, tzinfo=AMS)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return (MONDAY + timedelta(days=day)).replace(hour=hour, minute=minute)


def draft(summary: str, start: datetime, end: datetime, **values: object) -> EventDraft:
    return EventDraft(summary, start, end, timezone="Europe/Amsterdam", **values)  # type: ignore[arg-type]


def trips(graph: FakeGraph, method: str, fragment: str) -> list[object]:
    return [t for t in graph.round_trips if t.method == method and fragment in t.path]


async def test_list_events_reads_every_page(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "_PAGE", 4)
    provider = make_provider(graph)
    for n in range(11):
        await provider.create_event(
            ANA, draft(f"e{n}", at(1, 8 + n % 9), at(1, 9 + n % 9)), f"k{n}"
        )
    graph.clear_log()
    found = await provider.list_events(ANA, at(0, 0), at(7, 0))
    assert sorted(e.summary for e in found) == sorted(f"e{n}" for n in range(11))
    assert len(trips(graph, "GET", "/calendarView")) == 3
    await provider.aclose()


async def test_delta_sync_reports_changes_removals_and_an_expired_link(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    first = await provider.create_event(ANA, draft("first", at(1, 9), at(1, 10)), "k1")
    full = await provider.sync(ANA, None)
    assert full.reset and [e.uid for e in full.changed] == [first.uid]
    assert full.changed[0].extra["resource"] == first.extra["resource"]

    second = await provider.create_event(ANA, draft("second", at(2, 9), at(2, 10)), "k2")
    again = await provider.sync(ANA, full.cursor)
    assert not again.reset and [e.uid for e in again.changed] == [second.uid]

    await provider.delete_event(ANA, first.uid)
    gone = await provider.sync(ANA, again.cursor)
    assert gone.changed == [] and gone.deleted_resources == [first.extra["resource"]]

    nothing = await provider.sync(ANA, gone.cursor)
    assert (nothing.changed, nothing.deleted, nothing.deleted_resources) == ([], [], [])

    for code in (None, "syncStateNotFound", "resyncRequired"):
        graph.expire_delta_tokens(code)
        with pytest.raises(CursorExpired, match=r"ana@contoso\.example"):
            await provider.sync(ANA, nothing.cursor)
    # a cursor of another calendar, or garbage, starts over
    assert (await provider.sync(BOB, nothing.cursor)).reset
    assert (await provider.sync(ANA, "garbage")).reset
    foreign = nothing.cursor.rsplit("|", 1)[0] + "|https://evil.example/v1.0/delta?$deltatoken=x"
    assert (await provider.sync(ANA, foreign)).reset
    await provider.aclose()


async def test_a_create_retried_with_its_key_makes_one_event(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    made = await provider.create_event(ANA, draft("once", at(1, 9), at(1, 10)), "interview-1-a")
    again = await provider.create_event(ANA, draft("once", at(1, 9), at(1, 10)), "interview-1-a")
    both = await asyncio.gather(
        *(
            provider.create_event(ANA, draft("twice", at(2, 9), at(2, 10)), "interview-2-b")
            for _ in range(3)
        )
    )
    assert again.uid == made.uid
    assert len({e.uid for e in both}) == 1
    assert sorted(e["subject"] for e in graph.events(ANA)) == ["once", "twice"]
    await provider.aclose()


async def test_free_busy_asks_get_schedule_in_pieces_and_names_a_missing_mailbox(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "_SCHEDULES", 2)
    people = [ANA, BOB, CARL]
    provider = make_provider(graph)
    await provider.create_event(ANA, draft("busy", at(1, 9), at(1, 10)), "k1")
    await provider.create_event(
        BOB, draft("maybe", at(1, 11), at(1, 12), transparency=Transparency.TENTATIVE), "k2"
    )
    await provider.create_event(
        BOB, draft("free", at(1, 13), at(1, 14), transparency=Transparency.FREE), "k3"
    )
    later = await provider.create_event(CARL, draft("later", at(60, 9), at(60, 10)), "k4")
    graph.clear_log()
    found = await provider.free_busy(people, at(0, 0), at(70, 0))
    assert (
        len(trips(graph, "POST", "/getSchedule")) == 2 * 2
    )  # 70 days: 2 windows; 3 people: 2 requests
    assert [(i.start, i.end) for i in found[ANA]] == [(at(1, 9), at(1, 10))]
    assert [(i.start, i.transparency) for i in found[BOB]] == [(at(1, 11), Transparency.TENTATIVE)]
    assert [i.start for i in found[CARL]] == [later.start]
    with pytest.raises(ProviderError, match=r"not integrated.*nobody@contoso\.example"):
        await provider.free_busy([ANA, "nobody@contoso.example"], at(0, 0), at(1, 0))
    graph.add_user("onprem@contoso.example", "On Premises", mailbox=False)
    # asked in the name of the next mailbox: the line is about the calendar, not the anchor
    with pytest.raises(ProviderError, match=r"no free/busy for calendar 'onprem@contoso\.example'"):
        await provider.free_busy(["onprem@contoso.example", ANA], at(0, 0), at(1, 0))
    await provider.aclose()


async def test_rooms_are_listed_with_capacity_building_and_floor(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    rooms = await provider.list_rooms()
    assert [(r.calendar_id, r.name, r.capacity, r.building) for r in rooms] == [
        (ROOM, "Amstel", 8, "HQ, floor 2")
    ]
    await provider.aclose()


async def test_a_panel_event_books_the_room_and_reads_its_answer(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    panel = draft(
        "panel",
        at(1, 9),
        at(1, 10),
        attendees=(Attendee(BOB), Attendee(ROOM, resource=True)),
    )
    event = await provider.create_event(ANA, panel, "interview-3-panel")
    assert graph.event(ANA, event.uid)["location"]["locationEmailAddress"] == ROOM
    copy = await provider.get_event(BOB, event.uid)
    assert (copy.uid, copy.start) == (event.uid, event.start)
    graph.respond(BOB, event.uid, "declined")
    answers = await provider.attendee_responses(ANA, event.uid)
    assert answers == {BOB: ResponseStatus.DECLINED, ROOM: ResponseStatus.ACCEPTED}
    await provider.delete_event(ANA, event.uid)
    with pytest.raises(EventNotFound):
        await provider.get_event(BOB, event.uid)
    await provider.aclose()


async def test_a_write_on_a_room_goes_to_the_booking_mailbox(graph: FakeGraph) -> None:
    provider = make_provider(graph, settings=settings_for(graph, booking_mailbox=BOB))
    event = await provider.create_event(ROOM, draft("booked", at(1, 9), at(1, 10)), "k-room")
    assert event.calendar_id == ROOM
    stored = graph.event(BOB, event.uid)
    assert [a["type"] for a in stored["attendees"]] == ["resource"]
    assert (await provider.get_event(ROOM, event.uid)).uid == event.uid
    assert [e.uid for e in await provider.list_events(ROOM, at(0, 0), at(7, 0))] == [event.uid]
    await provider.aclose()


async def test_teams_meeting_made_with_the_event_and_kept_on_update(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    made = await provider.create_event(
        ANA, draft("teams", at(1, 9), at(1, 10), conference="teams"), "k-t"
    )
    assert (made.conference_url or "").startswith("https://teams.microsoft.com/l/meetup-join/")
    body = next(b for m, p, b in graph.requests if m == "POST" and p.endswith("/events"))
    assert (body["isOnlineMeeting"], body["onlineMeetingProvider"]) == (True, "teamsForBusiness")
    moved = await provider.update_event(
        ANA, made.uid, draft("teams", at(2, 9), at(2, 10), conference="teams")
    )
    assert moved.conference_url == made.conference_url
    await provider.aclose()


async def test_times_in_windows_zones_read_as_instants(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    graph.put_event(
        ANA,
        {
            "subject": "from outlook",
            "start": {"dateTime": "2026-03-24T09:00:00", "timeZone": "W. Europe Standard Time"},
            "end": {"dateTime": "2026-03-24T10:00:00", "timeZone": "W. Europe Standard Time"},
        },
    )
    [event] = await provider.list_events(ANA, at(0, 0), at(7, 0))
    assert (event.start, event.end) == (at(1, 9), at(1, 10))
    assert event.timezone == "Europe/Berlin"
    await provider.aclose()


async def test_throttling_is_waited_out_within_budget_else_reported(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    graph.fail_next(2, status=429, retry_after=0, paths=("/calendarView",))
    assert await provider.list_events(ANA, at(0, 0), at(7, 0)) == []
    graph.fail_next(1, status=503, retry_after=120, paths=("/calendarView",))
    with pytest.raises(ProviderUnavailable) as caught:
        await provider.list_events(ANA, at(0, 0), at(7, 0))
    assert caught.value.retry_after == 120 and "ana@contoso.example" in str(caught.value)
    await provider.aclose()


async def test_concurrent_writes_share_one_batch_and_keep_their_own_errors(
    graph: FakeGraph,
) -> None:
    provider = make_provider(graph)
    graph.clear_log()
    made = await asyncio.gather(
        *(
            provider.create_event(ANA, draft(f"b{n}", at(1, 9), at(1, 10)), f"kb{n}")
            for n in range(5)
        )
    )
    assert len({e.uid for e in made}) == 5
    assert len(trips(graph, "POST", "/$batch")) == 1
    assert len([t for t in graph.round_trips if t.in_batch]) == 5
    read = await asyncio.gather(*(provider.get_event(ANA, e.uid) for e in made))
    assert [e.summary for e in read] == [f"b{n}" for n in range(5)]
    assert len(trips(graph, "POST", "/$batch")) == 2
    graph.fail_next(1, status=429, retry_after=100, paths=("/events",))
    results = await asyncio.gather(
        *(
            provider.create_event(ANA, draft(f"c{n}", at(2, 9), at(2, 10)), f"kc{n}")
            for n in range(3)
        ),
        return_exceptions=True,
    )
    failed = [r for r in results if isinstance(r, Exception)]
    assert len(failed) == 1 and isinstance(failed[0], ProviderUnavailable)
    assert failed[0].retry_after == 100
    await provider.aclose()


async def test_sign_in_and_access_errors_are_one_line_naming_the_cause(graph: FakeGraph) -> None:
    provider = make_provider(graph, secret=None)
    with pytest.raises(AuthenticationFailed, match="no client secret"):
        await provider.list_events(ANA, at(0, 0), at(1, 0))
    graph.expire_secret(CLIENT_ID)
    expired = make_provider(graph)
    with pytest.raises(AuthenticationFailed, match="expired") as caught:
        await expired.list_events(ANA, at(0, 0), at(1, 0))
    assert "fake~secret" not in str(caught.value)
    await expired.aclose()


async def test_an_access_policy_and_a_missing_mailbox_are_named(graph: FakeGraph) -> None:
    graph.restrict_to(CLIENT_ID, [ANA])
    provider = make_provider(graph)
    assert await provider.list_events(ANA, at(0, 0), at(1, 0)) == []
    with pytest.raises(NotSupported, match="application access policy") as caught:
        await provider.list_events(BOB, at(0, 0), at(1, 0))
    assert "bob@contoso.example" in str(caught.value)
    with pytest.raises(NotSupported, match="free/busy only"):
        await provider.sync(BOB, None)
    with pytest.raises(AuthenticationFailed, match=r"application access policy.*\n?") as refused:
        await provider.create_event(BOB, draft("x", at(1, 9), at(1, 10)), "k-p")
    assert "bob@contoso.example" in str(refused.value)
    await provider.create_event(ANA, draft("busy", at(1, 9), at(1, 10)), "k-a")
    [line] = (await provider.check([BOB]))[-1:]
    assert (line.status, line.calendar_id) == ("warn", BOB) and "free/busy" in line.detail
    found = await provider.free_busy([BOB, ANA], at(0, 0), at(2, 0))  # asked as ANA
    assert [i.start for i in found[ANA]] == [at(1, 9)]
    graph.restrict_to(CLIENT_ID, None)
    with pytest.raises(ProviderError, match=r"not integrated.*nobody@contoso\.example"):
        await provider.list_events("nobody@contoso.example", at(0, 0), at(1, 0))
    graph.add_user("onprem@contoso.example", "On Premises", mailbox=False)
    with pytest.raises(ProviderError, match=r"not integrated.*onprem@contoso\.example"):
        await provider.list_events("onprem@contoso.example", at(0, 0), at(1, 0))
    await provider.aclose()


async def test_no_event_is_left_without_the_teams_meeting_it_asked_for(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    with pytest.raises(
        ProviderError, match=r"no Teams meeting in calendar 'carl@contoso\.example'"
    ):
        await provider.create_event(
            CARL, draft("teams", at(1, 9), at(1, 10), conference="teams"), "k-c"
        )
    assert graph.events(CARL) == []
    await provider.aclose()


async def test_an_event_that_cannot_be_read_is_one_problem_line_and_the_rest_is_read(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider(graph)
    good = await provider.create_event(ANA, draft("good", at(1, 9), at(1, 10)), "k-good")
    await provider.create_event(ANA, draft("bad", at(2, 9), at(2, 10)), "k-bad")
    real = provider_module.from_graph

    def picky(item: dict[str, object], calendar_id: str, uid: str | None = None) -> object:
        if item.get("subject") == "bad":
            item = {k: v for k, v in item.items() if k != "end"}
        return real(item, calendar_id, uid)

    monkeypatch.setattr(provider_module, "from_graph", picky)
    result = await provider.sync(ANA, None)
    assert [e.uid for e in result.changed] == [good.uid]
    assert len(result.problems) == 1 and "end is missing" in result.problems[0]
    assert "ana@contoso.example" in result.problems[0] and "bad" not in result.problems[0]
    listed = await provider.list_events(ANA, at(0, 0), at(7, 0))
    assert sorted(e.summary for e in listed) == ["Busy", "good"]
    await provider.aclose()


async def test_a_series_lists_as_occurrences_and_syncs_as_its_master(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    series = await provider.create_event(
        ANA, draft("daily", at(1, 9), at(1, 10), rrule="FREQ=DAILY;COUNT=4"), "k-series"
    )
    assert series.rrule is not None and "FREQ=DAILY" in series.rrule and "COUNT=4" in series.rrule
    listed = await provider.list_events(ANA, at(0, 0), at(7, 0))
    assert [(e.uid, e.start, e.recurrence_id) for e in listed] == [
        (series.uid, at(d, 9), at(d, 9)) for d in (1, 2, 3, 4)
    ]
    result = await provider.sync(ANA, None)
    [master] = result.changed
    assert (master.uid, master.recurrence_id, master.exdates) == (series.uid, None, ())
    assert master.rrule == series.rrule and master.start == at(1, 9)
    assert (await provider.get_event(ANA, series.uid)).rrule == series.rrule
    await provider.aclose()


async def test_the_sync_window_is_set_again_once_it_falls_a_week_behind(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    first = await provider.sync(ANA, None)
    assert not (await provider.sync(ANA, first.cursor)).reset
    provider.context.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    moved = await provider.sync(ANA, first.cursor)
    assert moved.reset and moved.cursor != first.cursor
    await provider.aclose()


async def test_delta_pages_are_followed_and_a_deleted_series_is_reported_by_uid(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "_PAGE", 2)
    provider = make_provider(graph)
    series = await provider.create_event(
        ANA, draft("daily", at(1, 9), at(1, 10), rrule="FREQ=DAILY;COUNT=3"), "k-s"
    )
    single = await provider.create_event(ANA, draft("single", at(5, 9), at(5, 10)), "k-1")
    graph.clear_log()
    full = await provider.sync(ANA, None)
    assert sorted(e.uid for e in full.changed) == sorted([series.uid, single.uid])
    assert len(trips(graph, "GET", "/calendarView/delta")) >= 2
    await provider.delete_event(ANA, series.uid)
    after = await provider.sync(ANA, full.cursor)
    assert after.deleted == [series.uid] and after.changed == []
    await provider.aclose()


async def test_an_occurrence_cancelled_in_outlook_is_an_exdate_of_the_master(
    graph: FakeGraph,
) -> None:
    provider = make_provider(graph)
    series = await provider.create_event(
        ANA, draft("daily", at(1, 9), at(1, 10), rrule="FREQ=DAILY;COUNT=4"), "k-x"
    )
    full = await provider.sync(ANA, None)
    graph.override_occurrence(ANA, series.uid, at(2, 9).date(), None)
    master = await provider.get_event(ANA, series.uid)
    assert master.exdates == (at(2, 9),)
    listed = await provider.list_events(ANA, at(0, 0), at(7, 0))
    assert [e.start for e in listed] == [at(1, 9), at(3, 9), at(4, 9)]
    after = await provider.sync(ANA, full.cursor)
    [synced] = after.changed
    assert (synced.uid, synced.exdates) == (series.uid, (at(2, 9),))
    await provider.aclose()


async def test_a_link_made_elsewhere_is_kept_and_a_teams_meeting_outlives_a_plain_update(
    graph: FakeGraph,
) -> None:
    provider = make_provider(graph)
    jitsi = "https://meet.jit.si/panelist-abc"
    made = await provider.create_event(
        ANA, draft("jitsi", at(1, 9), at(1, 10), conference_url=jitsi), "k-j"
    )
    assert made.conference_url == jitsi
    assert (await provider.get_event(ANA, made.uid)).conference_url == jitsi
    assert [e.conference_url for e in await provider.list_events(ANA, at(0, 0), at(7, 0))] == [
        jitsi
    ]
    cleared = await provider.update_event(ANA, made.uid, draft("jitsi", at(1, 9), at(1, 10)))
    assert cleared.conference_url is None
    assert (await provider.get_event(ANA, made.uid)).conference_url is None

    teams = await provider.create_event(
        ANA, draft("t", at(2, 9), at(2, 10), conference="teams"), "k-t2"
    )
    plain = await provider.update_event(ANA, teams.uid, draft("t", at(2, 11), at(2, 12)))
    assert plain.conference_url == teams.conference_url
    await provider.aclose()


async def test_more_than_twenty_writes_at_once_go_in_batches_of_twenty(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    await provider.list_events(ANA, at(0, 0), at(0, 1))  # signed in
    graph.clear_log()
    made = await asyncio.gather(
        *(
            provider.create_event(ANA, draft(f"m{n}", at(3, 9), at(3, 10)), f"km{n}")
            for n in range(25)
        )
    )
    assert len({e.uid for e in made}) == 25
    assert len(trips(graph, "POST", "/$batch")) == 2
    assert len([t for t in graph.round_trips if t.in_batch]) == 25
    await provider.aclose()


async def test_the_series_of_a_round_are_read_together(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    made = [
        await provider.create_event(
            ANA, draft(f"s{n}", at(n, 9), at(n, 10), rrule="FREQ=WEEKLY;COUNT=3"), f"ks{n}"
        )
        for n in range(5)
    ]
    fresh = make_provider(graph)  # knows no series yet
    graph.clear_log()
    result = await fresh.sync(ANA, None)
    assert sorted(e.uid for e in result.changed) == sorted(e.uid for e in made)
    assert len(trips(graph, "POST", "/$batch")) == 1
    assert len([t for t in graph.round_trips if t.in_batch]) == 5
    graph.clear_log()
    reader = make_provider(graph)
    listed = await reader.list_events(ANA, at(0, 0), at(21, 0))
    assert {e.uid for e in listed} == {e.uid for e in made} and len(listed) == 15
    assert len(trips(graph, "POST", "/$batch")) == 1
    for each in (provider, fresh, reader):
        await each.aclose()
