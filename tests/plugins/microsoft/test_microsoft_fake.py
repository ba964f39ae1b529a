"""The fake Graph, driven by the real msgraph-sdk and azure-identity (httpx for wire details)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from microsoft_tenant import ANA, BOB, CARL, CLIENT_ID, ROOM, ROOM_LIST, SECRET

from panelist_microsoft.testing import GRAPH_SCOPE, TEAMS_SERVICE_PLAN_ID, FakeGraph

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def when(hour: int, minute: int = 0, day: int = 24, zone: str = "W. Europe Standard Time") -> Any:
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone

    return DateTimeTimeZone(
        date_time=f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00", time_zone=zone
    )


def attendee(address: str, kind: str = "required") -> Any:
    from msgraph.generated.models.attendee import Attendee
    from msgraph.generated.models.attendee_type import AttendeeType
    from msgraph.generated.models.email_address import EmailAddress

    return Attendee(email_address=EmailAddress(address=address), type=AttendeeType(kind))


def event_body(subject: str = "Interview", start: int = 10, end: int = 11, **extra: Any) -> Any:
    from msgraph.generated.models.event import Event

    return Event(subject=subject, start=when(start), end=when(end), **extra)


def raw(graph: FakeGraph) -> httpx.Client:
    """httpx with a token from the real (sync) azure-identity credential, for wire details."""
    token = graph.credential(CLIENT_ID, SECRET).get_token(GRAPH_SCOPE).token
    return httpx.Client(base_url=graph.graph_url, headers={"Authorization": f"Bearer {token}"})


async def odata_error(awaitable: Any) -> Any:
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    with pytest.raises(ODataError) as caught:
        await awaitable
    return caught.value


# ---------------------------------------------------------------------- tokens


async def test_token_then_create_and_read_an_event(graph: FakeGraph, client: Any) -> None:
    created = await client.users.by_user_id(ANA).events.post(event_body())
    assert created.id and created.i_cal_u_id and created.change_key
    got = await client.users.by_user_id(ANA).events.by_event_id(created.id).get()
    assert got.subject == "Interview"
    assert (got.start.date_time, got.start.time_zone) == ("2026-03-24T09:00:00.0000000", "UTC")
    paths = [trip.path for trip in graph.round_trips]
    assert paths[0] == f"/{graph.tenant_id}/oauth2/v2.0/token"  # the aio credential: no discovery
    assert graph.tokens_issued == 1


def test_sync_credential_discovers_the_tenant_then_asks_for_a_token(graph: FakeGraph) -> None:
    token = graph.credential(CLIENT_ID, SECRET).get_token(GRAPH_SCOPE)
    assert token.token and token.expires_on > 0
    assert [trip.path for trip in graph.round_trips] == [
        f"/{graph.tenant_id}/v2.0/.well-known/openid-configuration",
        f"/{graph.tenant_id}/oauth2/v2.0/token",
    ]


def test_a_sync_credential_trusts_the_fake_through_the_environment(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.identity import ClientSecretCredential

    for name, value in graph.ca_environment().items():
        monkeypatch.setenv(name, value)
    options = {"authority": graph.authority, "disable_instance_discovery": True}
    credential = ClientSecretCredential(graph.tenant_id, CLIENT_ID, SECRET, **options)
    assert credential.get_token(GRAPH_SCOPE).token


@pytest.mark.parametrize("aio", [False, True])
async def test_token_errors_are_entras(graph: FakeGraph, aio: bool) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    async def get(credential: Any) -> Any:
        result = credential.get_token(GRAPH_SCOPE)
        return (await result) if aio else result

    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        await get(graph.credential(CLIENT_ID, "wrong", aio=aio))
    with pytest.raises(ClientAuthenticationError, match="AADSTS700016"):
        await get(graph.credential("00000000-0000-0000-0000-000000000000", SECRET, aio=aio))
    graph.expire_secret(CLIENT_ID)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000222"):
        await get(graph.credential(CLIENT_ID, SECRET, aio=aio))
    # an unknown tenant: the aio credential says AADSTS90002; the sync one fails at MSAL's
    # discovery and says only "Unable to get authority configuration" (the code is lost)
    expected = "AADSTS90002" if aio else "Unable to get authority configuration"
    with pytest.raises(ClientAuthenticationError, match=expected):
        await get(graph.credential(CLIENT_ID, SECRET, tenant="no-such-tenant", aio=aio))


def test_token_endpoint_wire(graph: FakeGraph) -> None:
    url = f"{graph.authority}/{graph.tenant_id}/oauth2/v2.0/token"
    form = {"client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "client_credentials",
            "scope": GRAPH_SCOPE}  # fmt: skip
    with httpx.Client(verify=str(graph.ca_file)) as http:
        answer = http.post(url, data=form).json()
        assert answer["token_type"] == "Bearer"
        assert answer["expires_in"] == answer["ext_expires_in"] == 3599
        bad = http.post(url, data={**form, "scope": "Calendars.Read"})
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_scope"
        gone = http.post(f"{graph.authority}/nope/oauth2/v2.0/token", data=form)
        assert gone.json()["error_codes"] == [90002]


async def test_certificate_credential(graph: FakeGraph, tmp_path: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from azure.identity.aio import CertificateCredential
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "panelist")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert_pem
    )
    app = graph.add_app(None, "cert-app", None, certificate=cert_pem)
    credential = CertificateCredential(graph.tenant_id, app.client_id, str(pem),
                                       **graph.credential_kwargs())  # fmt: skip
    async with credential:
        client = graph.graph_client(credential)
        me = await client.users.by_user_id(ANA).get()
    assert me.mail == ANA


async def test_no_admin_consent_no_permission_and_access_policy(graph: FakeGraph) -> None:
    graph.add_app(None, "no-consent", "s", admin_consent=False)
    graph.add_app(None, "calendars-only", "s", ("Calendars.ReadWrite",))
    async with graph.credential("no-consent", "s", aio=True) as credential:
        client = graph.graph_client(credential)
        error = await odata_error(client.users.by_user_id(ANA).events.get())
        assert (error.response_status_code, error.error.code) == (401, "NoPermissionsInAccessToken")
    async with graph.credential("calendars-only", "s", aio=True) as credential:
        client = graph.graph_client(credential)
        error = await odata_error(client.places.graph_room.get())
        assert (error.response_status_code, error.error.code) == (403, "ErrorAccessDenied")
        error = await odata_error(client.users.by_user_id(ANA).get())
        assert error.error.code == "Authorization_RequestDenied"
        assert await client.users.by_user_id(ANA).events.get() is not None
    graph.restrict_to(CLIENT_ID, [ANA])
    async with graph.credential(CLIENT_ID, SECRET, aio=True) as credential:
        client = graph.graph_client(credential)
        await client.users.by_user_id(ANA).events.get()
        error = await odata_error(client.users.by_user_id(BOB).events.get())
        assert error.response_status_code == 403
        assert error.error.code == "ErrorAccessDenied" and "[RAOP]" in error.error.message
        assert (await client.users.by_user_id(BOB).get()).mail == BOB  # directory: no policy


def test_tokens_are_checked_on_every_request(graph: FakeGraph) -> None:
    with raw(graph) as http:
        assert http.get(f"/users/{ANA}/events").status_code == 200
        graph.expire_access_tokens()
        answer = http.get(f"/users/{ANA}/events")
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert set(answer.json()["error"]["innerError"]) == {
            "date",
            "request-id",
            "client-request-id",
        }
        assert http.get(f"/users/{ANA}/events", headers={"Authorization": ""}).status_code == 401


# ---------------------------------------------------------------------- directory


async def test_users_and_teams_licence(graph: FakeGraph, client: Any) -> None:
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    ana = await client.users.by_user_id(ANA).get()
    assert (ana.mail, ana.display_name, ana.assigned_plans) == (ANA, "Ana Jansen", None)
    config = UserItemRequestBuilder.UserItemRequestBuilderGetRequestConfiguration(
        query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["id", "assignedPlans"]
        )
    )
    for who, licensed in ((ANA, True), (CARL, False)):
        user = await client.users.by_user_id(who).get(request_configuration=config)
        plans = {
            str(p.service_plan_id) for p in user.assigned_plans if p.capability_status == "Enabled"
        }
        assert (TEAMS_SERVICE_PLAN_ID in plans) is licensed
        details = await client.users.by_user_id(who).license_details.get()
        names = {p.service_plan_name for d in details.value for p in d.service_plans}
        assert ("TEAMS1" in names) is licensed
    by_id = await client.users.by_user_id(ana.id).get()
    assert by_id.mail == ANA
    error = await odata_error(client.users.by_user_id("nobody@contoso.example").get())
    assert error.response_status_code == 404


async def test_rooms_and_room_lists(graph: FakeGraph, client: Any) -> None:
    rooms = await client.places.graph_room.get()
    assert [(r.email_address, r.display_name, r.capacity, r.building, r.floor_number)
            for r in rooms.value] == [(ROOM, "Amstel", 8, "HQ", 2)]  # fmt: skip
    assert graph.round_trips[-1].path == "/places/graph.room"  # the SDK's path
    for index in range(5):
        graph.add_room(f"room{index}@contoso.example", f"Room {index}", capacity=4)
    with raw(graph) as http:
        first = http.get("/places/microsoft.graph.room", params={"$top": 4}).json()
        assert len(first["value"]) == 4
        assert first["@odata.nextLink"].startswith(
            graph.graph_url + "/places/microsoft.graph.room?"
        )
        second = http.get(first["@odata.nextLink"]).json()
        assert len(second["value"]) == 2 and "@odata.nextLink" not in second
        lists = http.get("/places/microsoft.graph.roomlist").json()["value"]
        assert [item["emailAddress"] for item in lists] == [ROOM_LIST]
        in_list = http.get(f"/places/{ROOM_LIST}/microsoft.graph.roomlist/rooms").json()["value"]
        assert [item["emailAddress"] for item in in_list] == [ROOM]


# ---------------------------------------------------------------------- events


async def test_create_fields_transaction_id_and_filter_by_ical_uid(
    graph: FakeGraph, client: Any
) -> None:
    from msgraph.generated.models.free_busy_status import FreeBusyStatus
    from msgraph.generated.models.location import Location
    from msgraph.generated.models.sensitivity import Sensitivity
    from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder

    events = client.users.by_user_id(ANA).events
    body = event_body(sensitivity=Sensitivity.Private, show_as=FreeBusyStatus.Tentative,
                      transaction_id="panelist-42",
                      location=Location(display_name="Amstel", location_email_address=ROOM))  # fmt: skip
    first = await events.post(body)
    again = await events.post(body)
    assert again.id == first.id and len(graph.events(ANA)) == 1
    assert first.sensitivity == Sensitivity.Private and first.show_as == FreeBusyStatus.Tentative
    assert first.location.location_email_address == ROOM
    assert first.response_status.response.value == "organizer" and first.is_organizer
    assert first.additional_data["@odata.etag"].startswith('W/"')
    config = EventsRequestBuilder.EventsRequestBuilderGetRequestConfiguration(
        query_parameters=EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
            filter=f"iCalUId eq '{first.i_cal_u_id}'"
        )
    )
    found = await events.get(request_configuration=config)
    assert [e.id for e in found.value] == [first.id]
    config.query_parameters.filter = "iCalUId eq 'nope'"
    assert (await events.get(request_configuration=config)).value == []


async def test_patch_delete_and_404_after(graph: FakeGraph, client: Any) -> None:
    from msgraph.generated.models.event import Event

    events = client.users.by_user_id(ANA).events
    made = await events.post(event_body())
    changed = await events.by_event_id(made.id).patch(
        Event(subject="Moved", start=when(14), end=when(15))
    )
    assert changed.subject == "Moved" and changed.start.date_time == "2026-03-24T13:00:00.0000000"
    assert changed.change_key != made.change_key and changed.i_cal_u_id == made.i_cal_u_id
    assert await events.by_event_id(made.id).delete() is None
    assert graph.round_trips[-1].status == 204
    error = await odata_error(events.by_event_id(made.id).get())
    assert (error.response_status_code, error.error.code) == (404, "ErrorItemNotFound")


def test_bodies_are_checked_against_the_sdk_model(graph: FakeGraph) -> None:
    start = {"dateTime": "2026-03-24T10:00:00", "timeZone": "Pacific Standard Time"}
    end = {"dateTime": "2026-03-24T11:00:00", "timeZone": "Pacific Standard Time"}
    with raw(graph) as http:
        for bad in ({"subject": "x", "start": start, "end": end, "colour": "red"},
                    {"subject": "x", "start": start, "end": end, "sensitivity": "secret"},
                    {"subject": "x", "start": start, "end": {**end, "timeZone": "Mars/Base"}},
                    {"subject": "x", "start": start}):  # fmt: skip
            answer = http.post(f"/users/{ANA}/calendar/events", json=bad)
            assert answer.status_code == 400, bad
            assert set(answer.json()["error"]) == {"code", "message", "innerError"}
        made = http.post(f"/users/{ANA}/calendar/events", json={"start": start, "end": end},
                         headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'})  # fmt: skip
        assert made.status_code == 201
        assert made.json()["start"] == {"dateTime": "2026-03-24T10:00:00.0000000",
                                        "timeZone": "Pacific Standard Time"}  # fmt: skip
        utc = http.get(f"/users/{ANA}/events/{made.json()['id']}").json()
        assert utc["start"] == {"dateTime": "2026-03-24T17:00:00.0000000", "timeZone": "UTC"}
        assert http.delete("/users/nobody@contoso.example/events/x").status_code == 404


async def test_teams_meeting_only_for_a_licensed_organiser(graph: FakeGraph, client: Any) -> None:
    from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType

    teams = {"is_online_meeting": True,
             "online_meeting_provider": OnlineMeetingProviderType.TeamsForBusiness}  # fmt: skip
    made = await client.users.by_user_id(ANA).events.post(event_body(**teams))
    assert made.is_online_meeting
    assert made.online_meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    plain = await client.users.by_user_id(CARL).events.post(event_body(**teams))
    assert not plain.is_online_meeting and plain.online_meeting is None
    # an attendee not licensed for Teams still holds the organiser's meeting
    invited = await client.users.by_user_id(ANA).events.post(
        event_body(attendees=[attendee(CARL)], **teams)
    )
    carl_copy = graph.event(CARL, invited.i_cal_u_id)
    assert carl_copy["onlineMeeting"]["joinUrl"] == invited.online_meeting.join_url


async def test_a_user_without_a_mailbox(graph: FakeGraph, client: Any) -> None:
    graph.add_user("dora@contoso.example", "Dora", mailbox=False)
    assert (await client.users.by_user_id("dora@contoso.example").get()).display_name == "Dora"
    error = await odata_error(client.users.by_user_id("dora@contoso.example").events.get())
    assert (error.response_status_code, error.error.code) == (404, "MailboxNotEnabledForRESTAPI")
    error = await odata_error(client.users.by_user_id("nobody@contoso.example").events.get())
    assert (error.response_status_code, error.error.code) == (404, "ErrorInvalidUser")


# ---------------------------------------------------------------------- the scheduling server


async def test_attendees_get_copies_and_the_room_answers(graph: FakeGraph, client: Any) -> None:
    from msgraph.generated.models.event import Event

    made = await client.users.by_user_id(ANA).events.post(
        event_body(attendees=[attendee(BOB), attendee(ROOM, "resource")])
    )
    statuses = {a.email_address.address: a.status.response.value for a in made.attendees}
    assert statuses == {BOB: "none", ROOM: "accepted"}
    bob_copy = graph.event(BOB, made.i_cal_u_id)
    assert bob_copy["id"] != made.id and bob_copy["responseStatus"]["response"] == "notResponded"
    assert not bob_copy["isOrganizer"] and bob_copy["showAs"] == "tentative"
    assert graph.event(ROOM, made.i_cal_u_id)["responseStatus"]["response"] == "accepted"

    graph.respond(BOB, made.i_cal_u_id, "accepted")
    assert graph.event(BOB, made.i_cal_u_id)["showAs"] == "busy"
    graph.respond(BOB, made.i_cal_u_id, "declined")
    assert graph.event(BOB, made.i_cal_u_id)["showAs"] == "free"
    seen = await client.users.by_user_id(ANA).events.by_event_id(made.id).get()
    assert {a.email_address.address: a.status.response.value for a in seen.attendees}[
        BOB
    ] == "declined"

    # the room is busy at the new time: it declines, and keeps no copy
    await client.users.by_user_id(BOB).events.post(
        event_body("Room blocked", 14, 16, attendees=[attendee(ROOM, "resource")])
    )
    moved = (
        await client.users.by_user_id(ANA)
        .events.by_event_id(made.id)
        .patch(Event(start=when(15), end=when(16)))
    )
    statuses = {a.email_address.address: a.status.response.value for a in moved.attendees}
    assert statuses == {BOB: "none", ROOM: "declined"}
    assert graph.event(BOB, made.i_cal_u_id)["start"]["dateTime"].startswith("2026-03-24T15:00")
    with pytest.raises(KeyError):
        graph.event(ROOM, made.i_cal_u_id)

    await client.users.by_user_id(ANA).events.by_event_id(made.id).delete()
    cancelled = graph.event(BOB, made.i_cal_u_id)
    assert cancelled["isCancelled"] and cancelled["subject"].startswith("Canceled: ")
    graph.remove_event(BOB, made.i_cal_u_id)
    assert all(e["iCalUId"] != made.i_cal_u_id for e in graph.events(BOB))


# ---------------------------------------------------------------------- calendarView, delta


def series(subject: str = "Standup", count: int = 5) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": "2026-03-23T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-03-23T09:15:00", "timeZone": "W. Europe Standard Time"},
        "recurrence": {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2026-03-23", "numberOfOccurrences": count},
        },
    }


async def test_calendar_view_expands_series_and_pages(graph: FakeGraph, client: Any) -> None:
    from msgraph.generated.users.item.calendar_view.calendar_view_request_builder import (
        CalendarViewRequestBuilder,
    )

    master = graph.put_event(ANA, series())
    await client.users.by_user_id(ANA).events.post(event_body())
    config = CalendarViewRequestBuilder.CalendarViewRequestBuilderGetRequestConfiguration(
        query_parameters=CalendarViewRequestBuilder.CalendarViewRequestBuilderGetQueryParameters(
            start_date_time="2026-03-23T00:00:00Z", end_date_time="2026-03-30T00:00:00Z"
        ),
        headers={"Prefer": ["odata.maxpagesize=4"]},  # type: ignore[arg-type]
    )
    view = client.users.by_user_id(ANA).calendar_view
    page = await view.get(request_configuration=config)
    items = list(page.value)
    while page.odata_next_link:
        assert page.odata_next_link.startswith(graph.graph_url)
        page = await view.with_url(page.odata_next_link).get(request_configuration=config)
        items += page.value
    assert len(items) == 6
    occurrences = [e for e in items if e.series_master_id]
    assert {e.series_master_id for e in occurrences} == {master["id"]}
    assert {e.type.value for e in occurrences} == {"occurrence"}
    assert occurrences[0].start.date_time == "2026-03-23T08:00:00.0000000"
    # one occurrence moved, one cancelled, from Outlook
    from datetime import date

    graph.override_occurrence(ANA, master["iCalUId"], date(2026, 3, 24), {
        "start": {"dateTime": "2026-03-24T13:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-24T13:30:00", "timeZone": "UTC"}})  # fmt: skip
    graph.override_occurrence(ANA, master["iCalUId"], date(2026, 3, 25), None)
    config.headers = {}
    items = (await view.get(request_configuration=config)).value
    kinds = sorted((e.type.value, e.start.date_time) for e in items if e.series_master_id)
    assert kinds == [
        ("exception", "2026-03-24T13:00:00.0000000"),
        ("occurrence", "2026-03-23T08:00:00.0000000"),
        ("occurrence", "2026-03-26T08:00:00.0000000"),
        ("occurrence", "2026-03-27T08:00:00.0000000"),
    ]
    window = {"startDateTime": "2026-03-23T00:00:00Z", "endDateTime": "2026-03-30T00:00:00Z"}
    # through the API: one occurrence moved (an exception), one deleted
    events = client.users.by_user_id(ANA).events
    last, before_last = occurrences[-1], occurrences[-2]
    from msgraph.generated.models.event import Event

    patched = await events.by_event_id(before_last.id).patch(Event(subject="Moved standup"))
    assert (patched.id, patched.type.value, patched.subject) == (
        before_last.id,
        "exception",
        "Moved standup",
    )
    await events.by_event_id(last.id).delete()
    error = await odata_error(events.by_event_id(last.id).get())
    assert error.response_status_code == 404
    with raw(graph) as http:
        listed = http.get(f"/users/{ANA}/events/{master['id']}/instances", params=window).json()
        kinds = [e["type"] for e in listed["value"]]
        assert kinds == ["occurrence", "exception", "exception"]
        calendar = http.get(f"/users/{ANA}/calendar").json()
        assert calendar["allowedOnlineMeetingProviders"] == ["teamsForBusiness"]
        assert http.get(f"/users/{ANA}/mailboxSettings").status_code == 403  # no permission
        missing = http.get(
            f"/users/{ANA}/calendarView", params={"startDateTime": "2026-03-23T00:00:00Z"}
        )
        assert missing.status_code == 400


async def test_delta_rounds_removals_and_expiry(graph: FakeGraph, client: Any) -> None:
    from msgraph.generated.models.event import Event
    from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
        DeltaRequestBuilder,
    )

    made = [await client.users.by_user_id(ANA).events.post(event_body(f"E{i}")) for i in range(3)]
    config = DeltaRequestBuilder.DeltaRequestBuilderGetRequestConfiguration(
        query_parameters=DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            start_date_time="2026-03-01T00:00:00Z", end_date_time="2026-04-01T00:00:00Z"
        ),
        headers={"Prefer": ["odata.maxpagesize=2"]},  # type: ignore[arg-type]
    )
    delta = client.users.by_user_id(ANA).calendar_view.delta

    async def round_(first: Any) -> tuple[list[Any], str]:
        page, seen = await first, []
        while True:
            seen += page.value
            if page.odata_delta_link:
                return seen, page.odata_delta_link
            page = await delta.with_url(page.odata_next_link).get(request_configuration=config)

    seen, link = await round_(delta.get(request_configuration=config))
    assert graph.round_trips[-2].path.endswith("/calendarView/delta()")  # the SDK's form
    assert sorted(e.subject for e in seen) == ["E0", "E1", "E2"]
    assert link.startswith(graph.graph_url) and "$deltatoken=" in link

    await client.users.by_user_id(ANA).events.by_event_id(made[0].id).patch(Event(subject="E0!"))
    await client.users.by_user_id(ANA).events.by_event_id(made[1].id).delete()
    seen, link = await round_(delta.with_url(link).get(request_configuration=config))
    assert [(e.id, e.subject) for e in seen if not e.additional_data.get("@removed")] == [
        (made[0].id, "E0!")
    ]
    removed = [e for e in seen if e.additional_data.get("@removed")]
    assert [(e.id, e.additional_data["@removed"]) for e in removed] == [
        (made[1].id, {"reason": "deleted"})
    ]
    seen, link = await round_(delta.with_url(link).get(request_configuration=config))
    assert seen == []

    graph.expire_delta_tokens()
    error = await odata_error(delta.with_url(link).get(request_configuration=config))
    assert error.response_status_code == 410
    graph.expire_delta_tokens("syncStateNotFound")
    error = await odata_error(delta.with_url(link).get(request_configuration=config))
    assert (error.response_status_code, error.error.code) == (400, "syncStateNotFound")
    with raw(graph) as http:  # the documented form, without ()
        answer = http.get(f"/users/{ANA}/calendarView/delta", params={
            "startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-04-01T00:00:00Z"})  # fmt: skip
        assert answer.status_code == 200 and "@odata.deltaLink" in answer.json()


# ---------------------------------------------------------------------- getSchedule


async def test_get_schedule_from_the_sdk(graph: FakeGraph, client: Any) -> None:
    from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
        GetSchedulePostRequestBody,
    )

    await client.users.by_user_id(BOB).events.post(event_body("Busy", 10, 11))
    body = GetSchedulePostRequestBody(
        schedules=[BOB, ROOM, "ghost@contoso.example"], start_time=when(9), end_time=when(12),
        availability_view_interval=60,
    )  # fmt: skip
    answer = await client.users.by_user_id(ANA).calendar.get_schedule.post(body)
    sent = graph.requests[-1][2]
    assert {"Schedules", "StartTime", "EndTime", "AvailabilityViewInterval"} <= set(sent)
    by_id = {s.schedule_id: s for s in answer.value}
    assert by_id[BOB].availability_view == "020"
    assert [(i.status.value, i.start.date_time) for i in by_id[BOB].schedule_items] == [
        ("busy", "2026-03-24T09:00:00.0000000")
    ]
    assert by_id[ROOM].availability_view == "000"
    assert by_id["ghost@contoso.example"].error.response_code == "ErrorMailRecipientNotFound"
    body.end_time = when(9, day=31)
    body.start_time = when(9, day=1)
    ok = await client.users.by_user_id(ANA).calendar.get_schedule.post(body)
    assert len(ok.value) == 3
    with raw(graph) as http:
        too_long = http.post(f"/users/{ANA}/calendar/getSchedule", json={
            "schedules": [BOB],
            "startTime": {"dateTime": "2026-03-01T00:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": "2026-04-15T00:00:00", "timeZone": "UTC"}})  # fmt: skip
        assert too_long.status_code == 400


# ---------------------------------------------------------------------- $batch, faults


async def test_batch_through_msgraph_core(graph: FakeGraph, client: Any) -> None:
    from kiota_serialization_json.json_parse_node import JsonParseNode
    from msgraph.generated.models.event import Event
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    batch = BatchRequestContent()
    for index, who in enumerate((ANA, BOB, CARL)):
        info = client.users.by_user_id(who).events.to_post_request_information(
            event_body(f"B{index}", transaction_id=f"t{index}")
        )
        # add_request's id is ignored: BatchRequestItem has made up its own already
        batch.add_request(None, BatchRequestItem(request_information=info, id=f"r{index}"))
    graph.fail_next(1, status=429, paths=(f"/users/{BOB}/events",))
    answer = await client.batch.post(batch_request_content=batch)
    statuses = answer.get_response_status_codes()
    assert statuses == {"r0": 201, "r1": 429, "r2": 201}
    # msgraph-core 1.5.2 reads a part's body with get_bytes_value(): a JSON object body, as
    # Graph sends it, comes back None (and get_response_by_id(id, Event) fails)
    assert answer.responses["r0"].body is None
    with pytest.raises(ValueError, match="Unable to deserialize"):
        answer.get_response_by_id("r0", Event)
    # the way round it: the same request through the adapter, as bytes (transactionId keeps
    # the events from being made twice)
    info = await client.batch.to_post_request_information(batch)
    raw_batch = json.loads(await client.request_adapter.send_primitive_async(info, "bytes", {}))
    parts = {part["id"]: part for part in raw_batch["responses"]}
    assert {key: part["status"] for key, part in parts.items()} == {"r0": 201, "r1": 201, "r2": 201}
    made = JsonParseNode(parts["r0"]["body"]).get_object_value(Event)
    assert made.subject == "B0" and made.id
    assert answer.responses["r1"].headers.get("Retry-After") == "0"
    assert made.id == graph.event(ANA, made.i_cal_u_id)["id"] and len(graph.events(ANA)) == 1
    trips = [(t.path, t.status, t.in_batch) for t in graph.round_trips[-4:]]
    assert trips[-1] == ("/v1.0/$batch", 200, False)
    assert all(in_batch for _, _, in_batch in trips[:-1])


def test_batch_wire(graph: FakeGraph) -> None:
    start = {"dateTime": "2026-03-24T10:00:00", "timeZone": "UTC"}
    end = {"dateTime": "2026-03-24T11:00:00", "timeZone": "UTC"}
    with raw(graph) as http:
        requests = [
            {"id": str(i), "method": "GET", "url": f"/users/{ANA}/events"} for i in range(21)
        ]
        assert http.post("/$batch", json={"requests": requests}).status_code == 400
        untyped = [
            {
                "id": "1",
                "method": "POST",
                "url": f"/users/{ANA}/events",
                "body": {"start": start, "end": end},
            }
        ]
        assert http.post("/$batch", json={"requests": untyped}).status_code == 400
        answer = http.post("/$batch", json={"requests": [
            {"id": "1", "method": "POST", "url": f"/users/{ANA}/events",
             "headers": {"Content-Type": "application/json"}, "body": {"start": start, "end": end}},
            {"id": "2", "method": "GET", "url": f"/users/{ANA}/events", "dependsOn": ["1"]},
            {"id": "3", "method": "GET", "url": "/users/nobody@contoso.example/events"},
            {"id": "4", "method": "GET", "url": "/users/x/events", "dependsOn": ["3"]},
        ]})  # fmt: skip
        assert answer.status_code == 200
        responses = answer.json()["responses"]
        assert [r["id"] for r in responses] == ["4", "3", "2", "1"]  # out of order, as Graph may
        by_id = {r["id"]: r for r in responses}
        assert {k: r["status"] for k, r in by_id.items()} == {
            "1": 201,
            "2": 200,
            "3": 404,
            "4": 424,
        }
        assert len(by_id["2"]["body"]["value"]) == 1


async def test_kiota_retries_429_and_503_itself(graph: FakeGraph, client: Any) -> None:
    """kiota's RetryHandler retries by itself. Its ``if retry_after:`` takes ``Retry-After: 0``
    for no header: it then waits its back-off (3 s base by default), so a quick test sets the
    base ``delay=0`` in a RetryHandlerOption (left: 0.5 * 2**(n-1) s plus up to 1 s jitter)."""
    from kiota_http.middleware.options import RetryHandlerOption
    from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder

    config = EventsRequestBuilder.EventsRequestBuilderPostRequestConfiguration(
        options=[RetryHandlerOption(delay=0, max_retries=1)]
    )
    graph.fail_next(1, status=429, paths=("/events",))
    made = await client.users.by_user_id(ANA).events.post(
        event_body(), request_configuration=config
    )
    assert made.id
    graph.fail_next(1, status=503)
    got = await client.users.by_user_id(ANA).events.get(request_configuration=config)
    assert [e.id for e in got.value] == [made.id]
    statuses = [(t.method, t.status) for t in graph.round_trips if t.path.startswith("/users")]
    assert statuses == [("POST", 429), ("POST", 201), ("GET", 503), ("GET", 200)]
    graph.fail_next(2, status=429)  # more than the retries allowed: the SDK gives up
    error = await odata_error(client.users.by_user_id(ANA).events.get(request_configuration=config))
    assert (error.response_status_code, error.error.code) == (429, "TooManyRequests")
    assert error.response_headers.get("Retry-After") == "0"


def test_latency_and_the_log(graph: FakeGraph) -> None:
    import time

    with raw(graph) as http:
        graph.latency = 0.05
        started = time.monotonic()
        http.get(f"/users/{ANA}/events")
        assert time.monotonic() - started >= 0.05
    assert graph.round_trips[-1].path == f"/users/{ANA}/events"
    graph.clear_log()
    assert graph.round_trips == []


async def test_sync_credential_under_the_async_client(graph: FakeGraph) -> None:
    credential = graph.credential(CLIENT_ID, SECRET)  # azure-identity's sync one, MSAL inside
    client = graph.graph_client(credential)
    assert (await client.users.by_user_id(BOB).get()).mail == BOB
    assert (await client.users.by_user_id(ANA).events.get()).value == []


async def test_an_attendees_delta_sees_the_invitation_then_its_cancellation(
    graph: FakeGraph, client: Any
) -> None:
    from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
        DeltaRequestBuilder,
    )

    config = DeltaRequestBuilder.DeltaRequestBuilderGetRequestConfiguration(
        query_parameters=DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            start_date_time="2026-03-01T00:00:00Z", end_date_time="2026-04-01T00:00:00Z"
        ),
        headers={"Prefer": ['outlook.timezone="Pacific Standard Time"']},  # type: ignore[arg-type]
    )
    delta = client.users.by_user_id(BOB).calendar_view.delta
    first = await delta.get(request_configuration=config)
    assert first.value == [] and first.odata_delta_link
    made = await client.users.by_user_id(ANA).events.post(event_body(attendees=[attendee(BOB)]))
    second = await delta.with_url(first.odata_delta_link).get(request_configuration=config)
    [invitation] = second.value
    assert invitation.i_cal_u_id == made.i_cal_u_id and invitation.id != made.id
    assert invitation.response_status.response.value == "notResponded"
    assert (invitation.start.date_time, invitation.start.time_zone) == (
        "2026-03-24T02:00:00.0000000", "Pacific Standard Time")  # fmt: skip
    await client.users.by_user_id(ANA).events.by_event_id(made.id).delete()
    third = await delta.with_url(second.odata_delta_link).get(request_configuration=config)
    assert [(e.id, e.additional_data.get("@removed")) for e in third.value] == [
        (invitation.id, {"reason": "deleted"})
    ]
