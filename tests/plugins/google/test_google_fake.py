"""The fake Google driven by the real google-api-python-client and google-auth.

Each test proves one wire behaviour the `google` plugin relies on (PROVIDERS.md §1, §6),
so the plugin's own tests can trust the fake.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from google_domain import ADMIN, ANA, BOB, ROOM
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from panelist_google.testing import CALENDAR_SCOPE, MEET_SCOPE, SCOPE_PREFIX, FakeGoogle

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


# ---------------------------------------------------------------- auth failures


def user_credentials(
    google: FakeGoogle, refresh_token: str, client: tuple[str, str], scopes: list[str]
) -> Any:
    from google.oauth2.credentials import Credentials

    return Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=google.token_uri,
        client_id=client[0],
        client_secret=client[1],
        scopes=scopes,
    )


def calendar_for(google: FakeGoogle, credentials: Any) -> Any:
    from googleapiclient.discovery import build

    return build("calendar", "v3", credentials=credentials, cache_discovery=False,
                 client_options={"api_endpoint": google.calendar_endpoint})  # fmt: skip


def test_a_person_refresh_token_works_until_revoked(google: FakeGoogle) -> None:
    from google.auth.exceptions import RefreshError

    client = google.add_oauth_client()
    token = google.refresh_token(client[0], ANA, (CALENDAR_SCOPE,))
    calendar = calendar_for(google, user_credentials(google, token, client, [CALENDAR_SCOPE]))
    calendar.events().insert(calendarId="primary", body=event_body()).execute()
    assert google.calls_of("calendar.events.insert")[0].subject == ANA

    google.revoke(token)
    with pytest.raises(RefreshError, match="invalid_grant"):
        calendar.events().list(calendarId="primary").execute()


def test_an_unknown_oauth_client_is_refused(google: FakeGoogle) -> None:
    from google.auth.exceptions import RefreshError

    client = google.add_oauth_client()
    token = google.refresh_token(client[0], ANA, (CALENDAR_SCOPE,))
    credentials = user_credentials(google, token, ("someone-else", "x"), [CALENDAR_SCOPE])
    with pytest.raises(RefreshError, match="invalid_client"):
        calendar_for(google, credentials).events().list(calendarId="primary").execute()


def test_the_authorization_code_becomes_a_refresh_token(google: FakeGoogle) -> None:
    import requests

    client = google.add_oauth_client()
    code = google.authorization_code(client[0], BOB, (CALENDAR_SCOPE,))
    answer = requests.post(google.token_uri, data={
        "grant_type": "authorization_code", "code": code, "client_id": client[0],
        "client_secret": client[1], "redirect_uri": "http://localhost:1",
    }, timeout=10).json()  # fmt: skip
    assert answer["refresh_token"] in google.refresh_tokens
    reused = requests.post(google.token_uri, data={
        "grant_type": "authorization_code", "code": code, "client_id": client[0],
        "client_secret": client[1],
    }, timeout=10)  # fmt: skip
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_a_jwt_signed_with_another_key_is_refused(
    google: FakeGoogle, key_file: Path, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.auth.exceptions import RefreshError
    from google.oauth2 import service_account

    info = json.loads(key_file.read_text())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info["private_key"] = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    credentials = service_account.Credentials.from_service_account_info(
        info, scopes=[CALENDAR_SCOPE]
    ).with_subject(ANA)
    with pytest.raises(RefreshError, match="Invalid JWT Signature"):
        calendar_for(google, credentials).events().list(calendarId="primary").execute()


def test_delegation_problems_answer_like_google(
    google: FakeGoogle, key_file: Path, service: Service
) -> None:
    from google.auth.exceptions import RefreshError

    with pytest.raises(RefreshError, match="invalid_grant: Invalid email or User ID"):
        service(subject="nobody@example.com").events().list(calendarId="primary").execute()
    with pytest.raises(RefreshError, match="unauthorized_client"):
        service(scopes=(SCOPE_PREFIX + "drive",)).events().list(calendarId="primary").execute()
    google.disable_service_account(json.loads(key_file.read_text())["client_email"])
    with pytest.raises(RefreshError, match="invalid_grant"):
        service().events().list(calendarId="primary").execute()


def test_a_call_outside_the_granted_scopes_is_403(google: FakeGoogle, service: Service) -> None:
    google.delegate((CALENDAR_SCOPE + ".readonly",))
    reader = service(scopes=(CALENDAR_SCOPE + ".readonly",))
    reader.events().list(calendarId=ANA).execute()
    with pytest.raises(HttpError) as refused:
        reader.events().insert(calendarId=ANA, body=event_body()).execute()
    assert refused.value.resp.status == 403
    assert reason(refused.value) == "insufficientPermissions"


def test_an_expired_access_token_is_refreshed_and_the_call_retried(
    google: FakeGoogle, service: Service
) -> None:
    calendar = service()
    calendar.events().list(calendarId=ANA).execute()
    google.expire_access_tokens()
    calendar.events().list(calendarId=ANA).execute()
    assert [c.status for c in google.calls_of("calendar.events.list")] == [200, 401, 200]
    assert len(google.calls_of("oauth2.token")) == 2


def test_a_calendar_not_shared_is_404_and_a_free_busy_share_hides_details(
    google: FakeGoogle, service: Service
) -> None:
    service(subject=BOB).events().insert(
        calendarId=BOB, body=event_body(summary="private matter")
    ).execute()
    with pytest.raises(HttpError) as hidden:
        service(subject=ANA).events().list(calendarId=BOB).execute()
    assert hidden.value.resp.status == 404

    google.calendar(BOB).acl[ANA] = "freeBusyReader"
    listed = service(subject=ANA).events().list(calendarId=BOB).execute()
    assert listed["accessRole"] == "freeBusyReader"
    (item,) = listed["items"]
    assert "summary" not in item
    assert item["start"]["dateTime"] == "2026-11-24T10:00:00+01:00"
    with pytest.raises(HttpError) as read_only:
        service(subject=ANA).events().insert(calendarId=BOB, body=event_body()).execute()
    assert read_only.value.resp.status == 403


# ---------------------------------------------------------------- recurrence, filters, other clients


def series_body(**extra: Any) -> dict[str, Any]:
    return {
        "summary": "Standup",
        "start": {"dateTime": "2026-11-23T09:00:00+01:00", "timeZone": "Europe/Amsterdam"},
        "end": {"dateTime": "2026-11-23T09:15:00+01:00", "timeZone": "Europe/Amsterdam"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=5"],
        **extra,
    }


def test_single_events_expands_a_series_with_its_overrides(
    google: FakeGoogle, service: Service
) -> None:
    calendar = service()
    series = calendar.events().insert(calendarId=ANA, body=series_body()).execute()
    google.override_instance(ANA, series["id"], datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
                             summary="Standup (late)",
                             start={"dateTime": "2026-11-24T11:00:00+01:00", "timeZone": "Europe/Amsterdam"},
                             end={"dateTime": "2026-11-24T11:15:00+01:00", "timeZone": "Europe/Amsterdam"})  # fmt: skip
    google.override_instance(
        ANA, series["id"], datetime(2026, 11, 25, 8, 0, tzinfo=UTC), status="cancelled"
    )

    window = {"timeMin": "2026-11-23T00:00:00Z", "timeMax": "2026-11-30T00:00:00Z"}
    single = (
        calendar.events()
        .list(calendarId=ANA, singleEvents=True, orderBy="startTime", **window)
        .execute()
    )
    assert [(e["start"]["dateTime"], e["summary"]) for e in single["items"]] == [
        ("2026-11-23T09:00:00+01:00", "Standup"),
        ("2026-11-24T11:00:00+01:00", "Standup (late)"),
        ("2026-11-26T09:00:00+01:00", "Standup"),
        ("2026-11-27T09:00:00+01:00", "Standup"),
    ]
    assert all(e["recurringEventId"] == series["id"] for e in single["items"])
    assert single["items"][0]["id"] == f"{series['id']}_20261123T080000Z"

    masters = calendar.events().list(calendarId=ANA, **window).execute()
    kinds = sorted((e.get("recurringEventId") is not None, e["status"]) for e in masters["items"])
    # the series, its moved occurrence and its cancelled one (kept while the series lives)
    assert kinds == [(False, "confirmed"), (True, "cancelled"), (True, "confirmed")]


def test_show_deleted_and_private_extended_property(service: Service) -> None:
    calendar = service()
    mine = calendar.events().insert(calendarId=ANA, body=event_body(
        extendedProperties={"private": {"panelistInterview": "7", "panelist": "1"}})).execute()  # fmt: skip
    calendar.events().insert(calendarId=ANA, body=event_body(
        extendedProperties={"private": {"panelistInterview": "8", "panelist": "1"}})).execute()  # fmt: skip
    calendar.events().insert(calendarId=ANA, body=event_body(summary="not ours")).execute()

    ours = calendar.events().list(calendarId=ANA, privateExtendedProperty=["panelist=1"]).execute()
    assert len(ours["items"]) == 2
    seven = (
        calendar.events()
        .list(calendarId=ANA, privateExtendedProperty=["panelist=1", "panelistInterview=7"])
        .execute()
    )
    assert [e["id"] for e in seven["items"]] == [mine["id"]]

    calendar.events().delete(calendarId=ANA, eventId=mine["id"]).execute()
    assert len(calendar.events().list(calendarId=ANA).execute()["items"]) == 2
    with_deleted = calendar.events().list(calendarId=ANA, showDeleted=True).execute()
    assert {e["status"] for e in with_deleted["items"]} == {"confirmed", "cancelled"}


def test_update_replaces_and_keeps_responses(google: FakeGoogle, service: Service) -> None:
    calendar = service()
    created = (
        calendar.events()
        .insert(calendarId=ANA, body=event_body(attendees=[{"email": BOB}], location="Room 1"))
        .execute()
    )
    google.respond(BOB, created["id"], "accepted")
    replaced = calendar.events().update(calendarId=ANA, eventId=created["id"], sendUpdates="all", body={
        "summary": "Interview: Sam", "start": created["start"], "end": created["end"],
        "attendees": [{"email": BOB}],
    }).execute()  # fmt: skip
    assert "location" not in replaced
    assert replaced["attendees"][0]["responseStatus"] == "accepted"
    assert replaced["sequence"] == 1  # location changed


def test_another_client_bumps_the_sync_state_of_every_copy(
    google: FakeGoogle, service: Service
) -> None:
    ana = service(subject=ANA)
    bob = service(subject=BOB)
    created = (
        ana.events().insert(calendarId=ANA, body=event_body(attendees=[{"email": BOB}])).execute()
    )
    ana_token = ana.events().list(calendarId=ANA).execute()["nextSyncToken"]
    bob_first = bob.events().list(calendarId=BOB).execute()
    assert [e["id"] for e in bob_first["items"]] == [created["id"]]  # the invitation

    google.respond(BOB, created["id"], "declined")
    (changed,) = ana.events().list(calendarId=ANA, syncToken=ana_token).execute()["items"]
    assert changed["attendees"][0]["responseStatus"] == "declined"
    (bob_copy,) = (
        bob.events().list(calendarId=BOB, syncToken=bob_first["nextSyncToken"]).execute()["items"]
    )
    assert bob_copy["attendees"][0] == {"email": BOB, "responseStatus": "declined", "self": True}

    google.delete_event(ANA, created["id"])
    (cancelled,) = (
        bob.events().list(calendarId=BOB, syncToken=bob_first["nextSyncToken"]).execute()["items"]
    )
    assert cancelled["status"] == "cancelled"


def test_a_busy_room_declines(google: FakeGoogle, service: Service) -> None:
    calendar = service()
    room = {"email": ROOM, "resource": True}
    first = calendar.events().insert(calendarId=ANA, body=event_body(attendees=[room])).execute()
    second = (
        service(subject=BOB)
        .events()
        .insert(calendarId=BOB, body=event_body(attendees=[room]))
        .execute()
    )
    assert first["attendees"][0]["responseStatus"] == "accepted"
    assert second["attendees"][0]["responseStatus"] == "declined"


# ---------------------------------------------------------------- Meet through conferenceData


def meet_request(request_id: str) -> dict[str, Any]:
    return {
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }
    }


def test_a_meet_is_pending_then_succeeds_and_a_reused_request_id_is_ignored(
    google: FakeGoogle, service: Service
) -> None:
    calendar = service()
    created = (
        calendar.events()
        .insert(
            calendarId=ANA,
            conferenceDataVersion=1,
            body=event_body(conferenceData=meet_request("req-1")),
        )
        .execute()
    )
    assert created["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"
    assert "hangoutLink" not in created

    ready = calendar.events().get(calendarId=ANA, eventId=created["id"]).execute()
    conference = ready["conferenceData"]
    assert conference["createRequest"]["status"]["statusCode"] == "success"
    (video,) = [p for p in conference["entryPoints"] if p["entryPointType"] == "video"]
    assert video["uri"] == ready["hangoutLink"] == f"https://meet.google.com/{video['meetingCode']}"

    again = calendar.events().patch(
        calendarId=ANA, eventId=created["id"], conferenceDataVersion=1,
        body={"conferenceData": meet_request("req-1")},
    ).execute()  # fmt: skip
    assert again["hangoutLink"] == ready["hangoutLink"]


def test_with_meet_ready_at_write_the_insert_answers_success(
    google: FakeGoogle, service: Service
) -> None:
    google.meet_ready_at_write = True
    calendar = service()
    created = (
        calendar.events()
        .insert(
            calendarId=ANA,
            conferenceDataVersion=1,
            body=event_body(conferenceData=meet_request("req-1"), attendees=[{"email": BOB}]),
        )
        .execute()
    )
    assert created["conferenceData"]["createRequest"]["status"]["statusCode"] == "success"
    assert created["hangoutLink"].startswith("https://meet.google.com/")
    assert google.event(BOB, created["id"])["hangoutLink"] == created["hangoutLink"]


def test_a_panel_event_reaches_every_attendee_and_the_room_and_their_answers_come_back(
    google: FakeGoogle, service: Service
) -> None:
    google.add_user("carol@example.com")
    people = [ANA, BOB, "carol@example.com"]
    created = (
        service()
        .events()
        .insert(
            calendarId=ANA,
            body=event_body(
                attendees=[*({"email": p} for p in people), {"email": ROOM, "resource": True}]
            ),
        )
        .execute()
    )
    assert created["attendees"][-1]["responseStatus"] == "accepted"  # the room was free
    for person in [BOB, "carol@example.com", ROOM]:
        copy = google.event(person, created["id"])
        assert copy["organizer"]["email"] == ANA and copy["iCalUID"] == created["iCalUID"]
    google.respond(BOB, created["id"], "declined")
    organiser = service().events().get(calendarId=ANA, eventId=created["id"]).execute()
    assert {a["email"]: a["responseStatus"] for a in organiser["attendees"]} == {
        ANA: "needsAction", BOB: "declined", "carol@example.com": "needsAction", ROOM: "accepted"
    }  # fmt: skip
    carols = service(subject="carol@example.com").events().get(
        calendarId="carol@example.com", eventId=created["id"]).execute()  # fmt: skip
    assert next(a for a in carols["attendees"] if a["email"] == BOB)["responseStatus"] == "declined"


def test_conference_data_is_ignored_without_version_1(service: Service) -> None:
    created = (
        service()
        .events()
        .insert(calendarId=ANA, body=event_body(conferenceData=meet_request("req-2")))
        .execute()
    )
    assert "conferenceData" not in created


# ---------------------------------------------------------------- freeBusy


def test_free_busy_per_calendar_with_errors(google: FakeGoogle, service: Service) -> None:
    service(subject=BOB).events().insert(calendarId=BOB, body=event_body()).execute()
    google.add_calendar("secret@group.calendar.google.com", owner=BOB)
    google.add_user(BOB, domain_role="freeBusyReader")  # Workspace's default sharing
    answer = service().freebusy().query(body={
        "timeMin": "2026-11-24T00:00:00Z", "timeMax": "2026-11-25T00:00:00Z",
        "items": [{"id": BOB}, {"id": "secret@group.calendar.google.com"}, {"id": ROOM}],
    }).execute()  # fmt: skip
    calendars = answer["calendars"]
    assert calendars[BOB] == {
        "busy": [{"start": "2026-11-24T09:00:00.000Z", "end": "2026-11-24T10:00:00.000Z"}]
    }
    assert calendars["secret@group.calendar.google.com"]["errors"] == [
        {"domain": "global", "reason": "notFound"}
    ]
    assert calendars[ROOM] == {"busy": []}


def test_free_busy_answers_at_most_50_calendars(google: FakeGoogle, service: Service) -> None:
    items = [{"id": f"room{n}@example.com"} for n in range(51)]
    answer = service().freebusy().query(body={
        "timeMin": "2026-11-24T00:00:00Z", "timeMax": "2026-11-25T00:00:00Z", "items": items,
    }).execute()  # fmt: skip
    assert (
        answer["calendars"]["room50@example.com"]["errors"][0]["reason"]
        == "tooManyCalendarsRequested"
    )
    assert answer["calendars"]["room49@example.com"]["errors"][0]["reason"] == "notFound"


def test_an_empty_free_busy_range_is_400(service: Service) -> None:
    with pytest.raises(HttpError) as empty:
        service().freebusy().query(body={
            "timeMin": "2026-11-24T00:00:00Z", "timeMax": "2026-11-24T00:00:00Z", "items": [],
        }).execute()  # fmt: skip
    assert reason(empty.value) == "timeRangeEmpty"


# ---------------------------------------------------------------- injected errors


def test_rate_limits_and_5xx_for_the_next_calls(
    google: FakeGoogle, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendar = service()
    google.fail_next(1)
    with pytest.raises(HttpError) as quota:
        calendar.events().list(calendarId=ANA).execute()
    assert quota.value.resp.status == 403
    assert quota.value.error_details[0]["domain"] == "usageLimits"
    assert reason(quota.value) == "rateLimitExceeded"

    google.fail_next(1, status=429, retry_after=7)
    with pytest.raises(HttpError) as throttled:
        calendar.events().list(calendarId=ANA).execute()
    assert throttled.value.resp.status == 429
    assert throttled.value.resp["retry-after"] == "7"

    google.fail_next(2, status=503, reason="backendError", methods=("calendar.events.list",))
    calendar.events().insert(
        calendarId=ANA, body=event_body()
    ).execute()  # other methods unaffected
    monkeypatch.setattr("googleapiclient.http.time.sleep", lambda seconds: None)  # its backoff
    listed = calendar.events().list(calendarId=ANA).execute(num_retries=2)
    assert len(listed["items"]) == 1
    assert [c.status for c in google.calls_of("calendar.events.list")][-3:] == [503, 503, 200]

    google.fail_next(1)  # the client's retry sees the rate-limit reason in Google's error body
    calendar.events().list(calendarId=ANA).execute(num_retries=1)
    assert [c.status for c in google.calls_of("calendar.events.list")][-2:] == [403, 200]


# ---------------------------------------------------------------- batch


def test_batch_answers_each_part_in_order_in_one_round_trip(
    google: FakeGoogle, service: Service
) -> None:
    calendar = service()
    calendar.events().insert(calendarId=ANA, body=event_body(id="taken00001")).execute()
    google.clear_log()
    answers: list[tuple[str, Any, Any]] = []
    batch = BatchHttpRequest(
        callback=lambda request_id, response, error: answers.append((request_id, response, error)),
        batch_uri=google.batch_uri,  # the client ignores api_endpoint for batches
    )
    batch.add(
        calendar.events().insert(calendarId=ANA, body=event_body(id="fresh00001", summary="Émma")),
        request_id="a",
    )
    batch.add(
        calendar.events().insert(calendarId=ANA, body=event_body(id="taken00001")), request_id="b"
    )
    batch.add(calendar.events().insert(calendarId=ROOM, body=event_body()), request_id="c")
    batch.add(calendar.events().get(calendarId=ANA, eventId="fresh00001"), request_id="d")
    batch.execute()

    assert [a[0] for a in answers] == ["a", "b", "c", "d"]
    assert answers[0][1]["summary"] == "Émma"
    assert answers[1][2].resp.status == 409
    assert answers[2][2].resp.status == 403  # a room calendar is read-only to Ana
    assert answers[3][1]["id"] == "fresh00001"
    assert [(r.method, r.path) for r in google.round_trips] == [("POST", "/batch/calendar/v3")]
    assert [c.in_batch for c in google.calls] == [True] * 4


def test_a_batch_over_1000_parts_is_refused(
    google: FakeGoogle, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("googleapiclient.http.MAX_BATCH_LIMIT", 2000)  # the client's own stop
    calendar = service()
    batch = BatchHttpRequest(batch_uri=google.batch_uri)
    for n in range(1001):
        batch.add(calendar.events().get(calendarId=ANA, eventId=f"event{n:05d}"))
    with pytest.raises(HttpError) as refused:
        batch.execute()
    assert refused.value.resp.status == 400


# ---------------------------------------------------------------- Directory and Meet


DIRECTORY = (
    SCOPE_PREFIX + "admin.directory.resource.calendar.readonly",
    SCOPE_PREFIX + "admin.directory.user.readonly",
)


def test_directory_lists_rooms_and_tells_a_suspended_user(
    google: FakeGoogle, service: Service
) -> None:
    google.add_room(
        "ij@resource.calendar.google.com", "IJ", capacity=4, building_id="hq", floor_name="2"
    )
    google.add_user("gone@example.com", suspended=True)
    directory = service("admin", "directory_v1", subject=ADMIN, scopes=DIRECTORY)
    rooms = directory.resources().calendars().list(customer="my_customer").execute()["items"]
    assert [(r["resourceName"], r["capacity"], r["buildingId"], r["resourceEmail"]) for r in rooms] == [
        ("Amstel", 8, "hq", ROOM), ("IJ", 4, "hq", "ij@resource.calendar.google.com"),
    ]  # fmt: skip
    assert directory.users().get(userKey=BOB).execute()["suspended"] is False
    assert directory.users().get(userKey="gone@example.com").execute()["suspended"] is True
    with pytest.raises(HttpError) as missing:
        directory.users().get(userKey="nobody@example.com").execute()
    assert missing.value.resp.status == 404


def test_meet_spaces_create_get_patch(service: Service) -> None:
    meet = service("meet", "v2", scopes=(MEET_SCOPE,))
    space = meet.spaces().create(body={"config": {"accessType": "OPEN"}}).execute()
    assert space["meetingUri"] == f"https://meet.google.com/{space['meetingCode']}"
    assert meet.spaces().get(name=space["name"]).execute()["config"]["accessType"] == "OPEN"
    patched = (
        meet.spaces()
        .patch(
            name=space["name"],
            updateMask="config.accessType",
            body={"config": {"accessType": "RESTRICTED"}},
        )
        .execute()
    )
    assert patched["config"]["accessType"] == "RESTRICTED"
    with pytest.raises(HttpError) as bad:
        meet.spaces().create(body={"config": {"accessType": "EVERYONE"}}).execute()
    assert bad.value.resp.status == 400


def test_the_directory_answers_only_an_admin(service: Service) -> None:
    directory = service("admin", "directory_v1", subject=ANA, scopes=DIRECTORY)
    with pytest.raises(HttpError) as refused:
        directory.resources().calendars().list(customer="my_customer").execute()
    assert refused.value.resp.status == 403
    public = directory.users().get(userKey=BOB, viewType="domain_public").execute()
    assert public["primaryEmail"] == BOB


# ---------------------------------------------------------------- calendar list, instances, privacy


def test_calendar_list_names_the_access_role(google: FakeGoogle, service: Service) -> None:
    google.calendar(BOB).acl[ANA] = "freeBusyReader"
    entries = service().calendarList().list().execute()["items"]
    assert {(e["id"], e["accessRole"], e["primary"]) for e in entries} == {
        (ANA, "owner", True), (BOB, "freeBusyReader", False),
    }  # fmt: skip


def test_instances_of_a_series(google: FakeGoogle, service: Service) -> None:
    calendar = service()
    series = calendar.events().insert(calendarId=ANA, body=series_body()).execute()
    google.override_instance(
        ANA, series["id"], datetime(2026, 11, 24, 8, 0, tzinfo=UTC), summary="moved"
    )
    items = calendar.events().instances(calendarId=ANA, eventId=series["id"]).execute()["items"]
    assert [e["summary"] for e in items] == ["Standup", "moved", "Standup", "Standup", "Standup"]


def test_a_reader_sees_only_when_a_private_event_is(google: FakeGoogle, service: Service) -> None:
    owner = service(subject=BOB)
    owner.events().insert(
        calendarId=BOB, body=event_body(summary="doctor", visibility="private")
    ).execute()
    owner.events().insert(calendarId=BOB, body=event_body(summary="team lunch")).execute()
    google.calendar(BOB).acl["domain"] = "reader"
    items = service(subject=ANA).events().list(calendarId=BOB).execute()["items"]
    assert sorted(e.get("summary", "?") for e in items) == ["?", "team lunch"]
    assert sorted(e.get("summary", "?") for e in owner.events().list(calendarId=BOB).execute()["items"]) == [
        "doctor", "team lunch",
    ]  # fmt: skip


def test_free_text_and_ical_uid_filters(service: Service) -> None:
    calendar = service()
    sam = (
        calendar.events()
        .insert(calendarId=ANA, body=event_body(summary="Interview: Sam Lee"))
        .execute()
    )
    calendar.events().insert(calendarId=ANA, body=event_body(summary="Dentist")).execute()
    assert [
        e["id"] for e in calendar.events().list(calendarId=ANA, q="sam").execute()["items"]
    ] == [sam["id"]]
    by_uid = calendar.events().list(calendarId=ANA, iCalUID=sam["iCalUID"]).execute()["items"]
    assert [e["id"] for e in by_uid] == [sam["id"]]


def test_unknown_query_parameters_and_bad_enums_in_the_query_are_400(google: FakeGoogle) -> None:
    import requests

    token = google.issue_token(ANA)
    headers = {"Authorization": f"Bearer {token}"}
    url = google.calendar_endpoint + "calendars/ana%40example.com/events"
    bad_enum = requests.delete(
        url + "/abcde12345?sendUpdates=everyone", headers=headers, timeout=10
    )
    assert bad_enum.status_code == 400
    assert bad_enum.json()["error"]["errors"][0]["location"] == "sendUpdates"
    unknown = requests.get(url + "?colour=red", headers=headers, timeout=10)
    assert unknown.status_code == 400
    anonymous = requests.get(url, timeout=10)
    assert anonymous.status_code == 401


def test_a_rescheduled_room_answers_again(google: FakeGoogle, service: Service) -> None:
    ana, bob = service(subject=ANA), service(subject=BOB)
    room = {"email": ROOM, "resource": True}
    ana.events().insert(calendarId=ANA, body=event_body(attendees=[room])).execute()
    later = {
        "start": {"dateTime": "2026-11-24T14:00:00Z"},
        "end": {"dateTime": "2026-11-24T15:00:00Z"},
    }
    moved = (
        bob.events()
        .insert(calendarId=BOB, body={**event_body(attendees=[room]), **later})
        .execute()
    )
    assert moved["attendees"][0]["responseStatus"] == "accepted"
    clash = bob.events().patch(calendarId=BOB, eventId=moved["id"], body={
        "start": {"dateTime": "2026-11-24T09:30:00Z"}, "end": {"dateTime": "2026-11-24T10:30:00Z"},
    }).execute()  # fmt: skip
    assert clash["attendees"][0]["responseStatus"] == "declined"
    assert google.internal_errors == []


def test_exdates_and_all_day_series_expand_like_rfc5545(service: Service) -> None:
    calendar = service()
    calendar.events().insert(calendarId=ANA, body=series_body(recurrence=[
        "RRULE:FREQ=DAILY;UNTIL=20261127T235959Z", "EXDATE;TZID=Europe/Amsterdam:20261124T090000",
    ])).execute()  # fmt: skip
    calendar.events().insert(calendarId=ANA, body={
        "summary": "Holiday", "start": {"date": "2026-11-23"}, "end": {"date": "2026-11-24"},
        "recurrence": ["RRULE:FREQ=WEEKLY;UNTIL=20261207"],
    }).execute()  # fmt: skip
    items = calendar.events().list(
        calendarId=ANA, singleEvents=True, orderBy="startTime",
        timeMin="2026-11-20T00:00:00Z", timeMax="2026-12-31T00:00:00Z",
    ).execute()["items"]  # fmt: skip
    standups = [e["start"]["dateTime"][:10] for e in items if e["summary"] == "Standup"]
    assert standups == ["2026-11-23", "2026-11-25", "2026-11-26", "2026-11-27"]
    holidays = [e["start"]["date"] for e in items if e["summary"] == "Holiday"]
    assert holidays == ["2026-11-23", "2026-11-30", "2026-12-07"]


def test_requests_are_answered_concurrently_under_latency(
    google: FakeGoogle, service: Service
) -> None:
    import threading
    import time

    calendar = service()
    calendar.events().list(calendarId=ANA).execute()  # fetch the token first
    google.latency = 0.3
    threads = [
        threading.Thread(target=lambda: service().events().list(calendarId=ANA).execute())
        for _ in range(3)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert (
        0.6 <= elapsed < 1.5
    )  # token + list each, three clients side by side, not one after another


def test_each_batch_part_acts_as_its_own_subject(google: FakeGoogle, service: Service) -> None:
    ana, bob = service(subject=ANA), service(subject=BOB)
    ana.events().list(
        calendarId=ANA
    ).execute()  # each client holds its token, as after a first call
    bob.events().list(calendarId=BOB).execute()
    answers: list[Any] = []
    batch = BatchHttpRequest(callback=lambda _id, response, error: answers.append(error or response),
                             batch_uri=google.batch_uri)  # fmt: skip
    batch.add(ana.events().insert(calendarId=ANA, body=event_body()))
    batch.add(bob.events().insert(calendarId=BOB, body=event_body()))
    batch.execute()
    assert [a["organizer"]["email"] for a in answers] == [ANA, BOB]
    assert [c.subject for c in google.calls if c.in_batch] == [ANA, BOB]


def test_if_match_makes_a_write_conditional(google: FakeGoogle, service: Service) -> None:
    calendar = service()
    created = calendar.events().insert(calendarId=ANA, body=event_body()).execute()
    google.put_event(ANA, {"id": created["id"], "summary": "changed elsewhere"})
    stale = calendar.events().patch(calendarId=ANA, eventId=created["id"], body={"summary": "mine"})
    stale.headers["If-Match"] = created["etag"]
    with pytest.raises(HttpError) as precondition:
        stale.execute()
    assert precondition.value.resp.status == 412
    fresh = calendar.events().get(calendarId=ANA, eventId=created["id"]).execute()
    current = calendar.events().patch(
        calendarId=ANA, eventId=created["id"], body={"summary": "mine"}
    )
    current.headers["If-Match"] = fresh["etag"]
    assert current.execute()["summary"] == "mine"


def test_an_attendee_answers_on_their_copy_and_may_change_nothing_shared(
    google: FakeGoogle, service: Service
) -> None:
    ana, bob = service(subject=ANA), service(subject=BOB)
    created = ana.events().insert(calendarId=ANA, body=event_body(
        attendees=[{"email": BOB}], extendedProperties={"private": {"panelist": "1"}})).execute()  # fmt: skip
    bob_copy = bob.events().get(calendarId=BOB, eventId=created["id"]).execute()
    assert "extendedProperties" not in bob_copy  # private properties stay with Ana's copy

    bob.events().patch(calendarId=BOB, eventId=created["id"], body={
        "attendees": [{"email": BOB, "responseStatus": "tentative"}],
        "extendedProperties": {"private": {"bobs": "note"}},
    }).execute()  # fmt: skip
    organizer_view = ana.events().get(calendarId=ANA, eventId=created["id"]).execute()
    assert organizer_view["attendees"][0]["responseStatus"] == "tentative"
    assert organizer_view["extendedProperties"]["private"] == {"panelist": "1"}
    assert google.event(BOB, created["id"])["extendedProperties"]["private"] == {"bobs": "note"}

    with pytest.raises(HttpError) as refused:
        bob.events().patch(
            calendarId=BOB, eventId=created["id"], body={"summary": "mine now"}
        ).execute()
    assert refused.value.resp.status == 403
    assert reason(refused.value) == "forbiddenForNonOrganizer"


def test_a_timed_series_needs_a_time_zone(service: Service) -> None:
    body = series_body()
    del body["start"]["timeZone"]
    with pytest.raises(HttpError) as refused:
        service().events().insert(calendarId=ANA, body=body).execute()
    assert refused.value.resp.status == 400
    assert "Missing time zone definition for start time" in str(refused.value)


def test_directory_rooms_come_in_pages(google: FakeGoogle, service: Service) -> None:
    for n in range(3):
        google.add_room(f"r{n}@resource.calendar.google.com", f"Room {n}")
    directory = service("admin", "directory_v1", subject=ADMIN, scopes=DIRECTORY)
    request = directory.resources().calendars().list(customer="my_customer", maxResults=2)
    names = []
    while request is not None:
        page = request.execute()
        names += [room["resourceName"] for room in page["items"]]
        request = directory.resources().calendars().list_next(request, page)
    assert names == ["Amstel", "Room 0", "Room 1", "Room 2"]
    with pytest.raises(HttpError) as bad:
        directory.resources().calendars().list(customer="my_customer", pageToken="x").execute()
    assert bad.value.resp.status == 400


def test_stopping_ends_the_connections_clients_keep_alive() -> None:
    import threading
    import time

    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    def handlers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if "process_request_thread" in t.name]

    with FakeGoogle() as fake:
        fake.add_user(ANA)
        credentials = Credentials(token=fake.issue_token(ANA))
        calendar = build("calendar", "v3", credentials=credentials, cache_discovery=False,
                         client_options={"api_endpoint": fake.calendar_endpoint})  # fmt: skip
        calendar.events().list(calendarId=ANA).execute()
        assert handlers()  # the kept-alive connection's handler waits for the next request
    for _ in range(200):  # bounded: a leak fails here instead of hanging
        if not handlers():
            break
        time.sleep(0.01)
    assert handlers() == []


def test_fields_trims_the_answer_like_a_partial_response(service: Service) -> None:
    calendar = service()
    calendar.events().insert(calendarId=ANA, body=event_body(attendees=[{"email": BOB}])).execute()
    page = (
        calendar.events()
        .list(calendarId=ANA, fields="items(id,start/dateTime,attendees(email)),nextPageToken")
        .execute()
    )
    assert set(page) == {"items"}  # no nextSyncToken: it was not asked for
    (item,) = page["items"]
    assert set(item) == {"id", "start", "attendees"}
    assert item["start"] == {"dateTime": "2026-11-24T10:00:00+01:00"}
    assert item["attendees"] == [{"email": BOB}]


def test_free_busy_skips_transparent_and_declined_events_and_merges_overlaps(
    google: FakeGoogle, service: Service
) -> None:
    bob = service(subject=BOB)
    bob.events().insert(calendarId=BOB, body=event_body(transparency="transparent")).execute()
    for start, end in [("12:00", "13:00"), ("12:30", "14:00")]:
        bob.events().insert(calendarId=BOB, body={
            "start": {"dateTime": f"2026-11-24T{start}:00Z"}, "end": {"dateTime": f"2026-11-24T{end}:00Z"},
        }).execute()  # fmt: skip
    invite = service(subject=ANA).events().insert(calendarId=ANA, body={
        "start": {"dateTime": "2026-11-24T15:00:00Z"}, "end": {"dateTime": "2026-11-24T16:00:00Z"},
        "attendees": [{"email": BOB}],
    }).execute()  # fmt: skip
    google.respond(BOB, invite["id"], "declined")
    google.add_user(BOB, domain_role="freeBusyReader")
    answer = service().freebusy().query(body={
        "timeMin": "2026-11-24T00:00:00Z", "timeMax": "2026-11-25T00:00:00Z", "items": [{"id": BOB}],
    }).execute()  # fmt: skip
    assert answer["calendars"][BOB]["busy"] == [
        {"start": "2026-11-24T12:00:00.000Z", "end": "2026-11-24T14:00:00.000Z"}
    ]
