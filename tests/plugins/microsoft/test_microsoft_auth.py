"""Settings, credentials and the errors of signing in and of permissions, through the real
azure-identity and msgraph-sdk against the fake Entra ID and Graph."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from microsoft_helpers import make_provider, settings_for
from microsoft_tenant import ANA

from panelist.errors import AuthenticationFailed, ConfigurationError
from panelist_microsoft.config import MicrosoftSettings, calendar_id_problem
from panelist_microsoft.provider import MicrosoftCalendarProvider
from panelist_microsoft.testing import FakeGraph

pytestmark = pytest.mark.anyio
WEEK = datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def certificate(path: Path) -> bytes:
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
    pem = cert.public_bytes(serialization.Encoding.PEM)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + pem
    )
    return pem


async def test_a_certificate_signs_in(graph: FakeGraph, tmp_path: Path) -> None:
    app = graph.add_app(None, "cert-app", None, certificate=certificate(tmp_path / "app.pem"))
    settings = settings_for(
        graph,
        client_id=app.client_id,
        auth="certificate",
        certificate_path=str(tmp_path / "app.pem"),
    )
    provider = make_provider(graph, secret=None, settings=settings)
    assert await provider.list_events(ANA, *WEEK) == []
    await provider.aclose()


async def test_without_admin_consent_or_a_permission_the_line_says_so(graph: FakeGraph) -> None:
    graph.add_app(None, "no-consent", "s", admin_consent=False)
    graph.add_app(None, "calendars-only", "s", ("Calendars.ReadWrite",))
    unconsented = make_provider(
        graph, secret="s", settings=settings_for(graph, client_id="no-consent")
    )
    with pytest.raises(AuthenticationFailed, match="consent"):
        await unconsented.list_events(ANA, *WEEK)
    await unconsented.aclose()
    narrow = make_provider(
        graph, secret="s", settings=settings_for(graph, client_id="calendars-only")
    )
    with pytest.raises(AuthenticationFailed, match=r"Place\.Read\.All"):
        await narrow.list_rooms()
    await narrow.aclose()


async def test_a_wrong_secret_an_unknown_app_and_tenant_are_named(graph: FakeGraph) -> None:
    wrong = make_provider(graph, secret="not-it")
    with pytest.raises(AuthenticationFailed, match="secret is wrong") as caught:
        await wrong.list_events(ANA, *WEEK)
    assert "not-it" not in str(caught.value)
    await wrong.aclose()
    unknown = make_provider(graph, settings=settings_for(graph, client_id="nobody"))
    with pytest.raises(AuthenticationFailed, match="no application"):
        await unknown.list_events(ANA, *WEEK)
    await unknown.aclose()


def test_settings_are_checked_one_line_each() -> None:
    with pytest.raises(ConfigurationError, match="authority"):
        MicrosoftSettings.from_mapping({"authority": "http://login.example.com"})
    with pytest.raises(ConfigurationError, match="api_base"):
        MicrosoftSettings.from_mapping({"api_base": "http://graph.example.com"})
    with pytest.raises(ConfigurationError, match="auth"):
        MicrosoftSettings.from_mapping({"auth": "password"})
    with pytest.raises(ConfigurationError, match="tenant_id"):
        MicrosoftSettings.from_mapping({"client_id": "x"}).require()
    local = MicrosoftSettings.from_mapping({"api_base": "http://127.0.0.1:8080"})
    assert local.graph_base == "http://127.0.0.1:8080/v1.0"
    assert local.scope == "https://graph.microsoft.com/.default"
    us = MicrosoftSettings.from_mapping({"api_base": "https://graph.microsoft.us/"})
    assert us.scope == "https://graph.microsoft.us/.default"


def test_calendar_ids_are_mailbox_addresses() -> None:
    assert calendar_id_problem("ana@contoso.com") is None
    assert MicrosoftCalendarProvider.check_calendar_id({}, "room.1@contoso.com") is None
    for bad in ("", "ana", "ana@contoso", "https://x/ana@contoso.com", "a b@contoso.com"):
        assert calendar_id_problem(bad), bad
