"""The fake Graph, driven by the real msgraph-sdk and azure-identity (httpx for wire details)."""

from __future__ import annotations

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
