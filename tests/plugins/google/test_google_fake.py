"""The fake Google driven by the real google-api-python-client and google-auth.

Each test proves one wire behaviour the `google` plugin relies on (PROVIDERS.md §1, §6),
so the plugin's own tests can trust the fake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import ANA, BOB, ROOM
from googleapiclient.errors import HttpError

from panelist_google.testing import FakeGoogle

Service = Callable[..., Any]


def event_body(**extra: Any) -> dict[str, Any]:
    return {
        "summary": "Interview: Sam",
        "start": {"dateTime": "2026-11-24T10:00:00+01:00", "timeZone": "Europe/Amsterdam"},
        "end": {"dateTime": "2026-11-24T11:00:00+01:00", "timeZone": "Europe/Amsterdam"},
        **extra,
    }


def reason(error: HttpError) -> str:
    return str(error.error_details[0]["reason"])


# ---------------------------------------------------------------- token endpoint


def test_the_service_account_gets_a_token_for_its_subject(
    google: FakeGoogle, service: Service
) -> None:
    calendar = service(subject=BOB)
    calendar.events().insert(calendarId="primary", body=event_body()).execute()

    (token_call,) = google.calls_of("oauth2.token")
    assert token_call.query["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    (insert,) = google.calls_of("calendar.events.insert")
    assert insert.subject == BOB
    assert google.calendar(BOB).events  # primary is the subject's own calendar


# ---------------------------------------------------------------- events


def test_insert_get_patch_delete_round_trip(google: FakeGoogle, service: Service) -> None:
    calendar = service()
    created = (
        calendar.events()
        .insert(
            calendarId=ANA,
            body=event_body(
                id="panelist0123456789abcdef",
                visibility="private",
                transparency="opaque",
                extendedProperties={"private": {"panelistInterview": "42"}},
                attendees=[{"email": BOB}, {"email": ROOM, "resource": True}],
            ),
            sendUpdates="all",
        )
        .execute()
    )
    assert created["id"] == "panelist0123456789abcdef"
    assert created["status"] == "confirmed"
    assert created["visibility"] == "private"
    assert created["extendedProperties"]["private"] == {"panelistInterview": "42"}
    responses = {a["email"]: a["responseStatus"] for a in created["attendees"]}
    assert responses == {BOB: "needsAction", ROOM: "accepted"}  # a free room accepts

    fetched = calendar.events().get(calendarId=ANA, eventId=created["id"]).execute()
    assert fetched["summary"] == "Interview: Sam"

    patched = (
        calendar.events()
        .patch(
            calendarId=ANA,
            eventId=created["id"],
            body={"summary": "Interview: Sam (moved)"},
            sendUpdates="none",
        )
        .execute()
    )
    assert patched["summary"] == "Interview: Sam (moved)"
    assert patched["extendedProperties"]["private"] == {"panelistInterview": "42"}

    calendar.events().delete(calendarId=ANA, eventId=created["id"], sendUpdates="all").execute()
    with pytest.raises(HttpError) as gone:
        calendar.events().delete(calendarId=ANA, eventId=created["id"]).execute()
    assert gone.value.resp.status == 410
    assert gone.value.error_details[0]["message"] == "Resource has been deleted"
    assert [c.query.get("sendUpdates") for c in google.calls_of("calendar.events.delete")] == [
        ["all"],
        None,
    ]


def test_the_calendar_id_goes_percent_encoded(google: FakeGoogle, service: Service) -> None:
    service().events().insert(calendarId=ANA, body=event_body()).execute()

    (insert,) = google.calls_of("calendar.events.insert")
    assert insert.path.startswith("/calendar/v3/calendars/ana%40example.com/events")


def test_a_duplicate_client_id_is_409(service: Service) -> None:
    calendar = service()
    calendar.events().insert(calendarId=ANA, body=event_body(id="abcde12345")).execute()
    with pytest.raises(HttpError) as duplicate:
        calendar.events().insert(calendarId=ANA, body=event_body(id="abcde12345")).execute()
    assert duplicate.value.resp.status == 409
    assert "The requested identifier already exists" in str(duplicate.value)


@pytest.mark.parametrize("bad_id", ["abcd", "ABCDE12345", "wxyz12345", "a" * 1025])
def test_an_id_outside_base32hex_is_400(service: Service, bad_id: str) -> None:
    with pytest.raises(HttpError) as refused:
        service().events().insert(calendarId=ANA, body=event_body(id=bad_id)).execute()
    assert refused.value.resp.status == 400


def test_unknown_fields_and_bad_enums_are_400_like_google(service: Service) -> None:
    calendar = service()
    with pytest.raises(HttpError) as unknown:
        calendar.events().insert(calendarId=ANA, body=event_body(colour="red")).execute()
    assert unknown.value.resp.status == 400
    assert 'Unknown name "colour"' in str(unknown.value)
    with pytest.raises(HttpError) as nested:
        calendar.events().insert(
            calendarId=ANA, body=event_body(attendees=[{"email": BOB, "rsvp": "yes"}])
        ).execute()
    assert 'Unknown name "rsvp"' in str(nested.value)
    with pytest.raises(HttpError) as enum:
        calendar.events().insert(calendarId=ANA, body=event_body(visibility="secret")).execute()
    assert enum.value.resp.status == 400
    assert "visibility" in str(enum.value)


def test_list_pages_and_gives_the_sync_token_only_on_the_last_page(service: Service) -> None:
    calendar = service()
    for hour in range(5):
        calendar.events().insert(calendarId=ANA, body={
            "summary": f"e{hour}",
            "start": {"dateTime": f"2026-11-24T{10 + hour}:00:00Z"},
            "end": {"dateTime": f"2026-11-24T{10 + hour}:30:00Z"},
        }).execute()  # fmt: skip

    pages = []
    request = calendar.events().list(calendarId=ANA, maxResults=2)
    while request is not None:
        page = request.execute()
        pages.append(page)
        request = calendar.events().list_next(request, page)

    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert ["nextSyncToken" in p for p in pages] == [False, False, True]
    assert ["nextPageToken" in p for p in pages] == [True, True, False]
    assert [i["summary"] for p in pages for i in p["items"]] == [f"e{h}" for h in range(5)]


def test_time_min_filters_on_end_and_time_max_on_start(service: Service) -> None:
    calendar = service()
    for name, start, end in [("before", "08:00", "09:00"), ("straddles", "08:30", "09:30"),
                             ("inside", "10:00", "11:00"), ("touches-end", "12:00", "13:00")]:  # fmt: skip
        calendar.events().insert(calendarId=ANA, body={
            "summary": name,
            "start": {"dateTime": f"2026-11-24T{start}:00Z"},
            "end": {"dateTime": f"2026-11-24T{end}:00Z"},
        }).execute()  # fmt: skip

    listed = (
        calendar.events()
        .list(calendarId=ANA, timeMin="2026-11-24T09:00:00Z", timeMax="2026-11-24T12:00:00Z")
        .execute()
    )
    assert [e["summary"] for e in listed["items"]] == ["straddles", "inside"]


def test_incremental_sync_sees_changes_and_deletions_then_410_when_expired(
    google: FakeGoogle, service: Service
) -> None:
    calendar = service()
    kept = calendar.events().insert(calendarId=ANA, body=event_body(summary="kept")).execute()
    gone = calendar.events().insert(calendarId=ANA, body=event_body(summary="gone")).execute()
    first = calendar.events().list(calendarId=ANA).execute()
    assert {e["summary"] for e in first["items"]} == {"kept", "gone"}

    calendar.events().delete(calendarId=ANA, eventId=gone["id"]).execute()
    google.put_event(ANA, {"id": kept["id"], "summary": "kept, renamed elsewhere"})
    changes = calendar.events().list(calendarId=ANA, syncToken=first["nextSyncToken"]).execute()
    by_id = {e["id"]: e for e in changes["items"]}
    assert by_id[gone["id"]]["status"] == "cancelled"
    assert by_id[kept["id"]]["summary"] == "kept, renamed elsewhere"
    nothing = calendar.events().list(calendarId=ANA, syncToken=changes["nextSyncToken"]).execute()
    assert nothing["items"] == []

    google.expire_sync_tokens()
    with pytest.raises(HttpError) as expired:
        calendar.events().list(calendarId=ANA, syncToken=changes["nextSyncToken"]).execute()
    assert expired.value.resp.status == 410
