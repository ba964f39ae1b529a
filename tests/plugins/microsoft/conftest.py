"""The loopback fake Microsoft Graph, one per test: a tenant with an app, two people and a room."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_PLUGIN = Path(__file__).resolve().parents[3] / "plugins" / "microsoft"
if str(_PLUGIN) not in sys.path:  # until the plugin is registered in pyproject (msprovider)
    sys.path.insert(0, str(_PLUGIN))

from microsoft_tenant import ANA, BOB, CARL, CLIENT_ID, ROOM, ROOM_LIST, SECRET  # noqa: E402

from panelist_microsoft.testing import FakeGraph  # noqa: E402


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        fake.add_app(fake.tenant_id, CLIENT_ID, SECRET)
        fake.add_user(ANA, "Ana Jansen", time_zone="W. Europe Standard Time")
        fake.add_user(BOB, "Bob de Vries")
        fake.add_user(CARL, "Carl Smit", teams=False)
        fake.add_room(ROOM, "Amstel", capacity=8, building="HQ", floor=2, room_list=ROOM_LIST)
        yield fake
        assert fake.internal_errors == [], "the fake itself failed:\n" + "\n".join(
            fake.internal_errors
        )


@pytest.fixture
def credential(graph: FakeGraph) -> Iterator[Any]:
    """azure-identity's real async ClientSecretCredential, against the fake's https authority."""
    cred = graph.credential(CLIENT_ID, SECRET, aio=True)
    yield cred


@pytest.fixture
async def client(graph: FakeGraph, credential: Any) -> Any:
    """msgraph-sdk's real GraphServiceClient on the fake."""
    yield graph.graph_client(credential)
    await credential.close()
