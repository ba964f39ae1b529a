"""The fake Graph, driven by the real msgraph-sdk and azure-identity (and httpx for wire details)."""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_tenant import ANA
from panelist_microsoft.testing import FakeGraph

pytestmark = pytest.mark.anyio


def event_body(subject: str = "Interview", **extra: Any) -> Any:
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.event import Event

    return Event(
        subject=subject,
        start=DateTimeTimeZone(
            date_time="2026-03-24T10:00:00", time_zone="W. Europe Standard Time"
        ),
        end=DateTimeTimeZone(date_time="2026-03-24T11:00:00", time_zone="W. Europe Standard Time"),
        **extra,
    )


async def test_token_then_create_and_read_an_event(graph: FakeGraph, client: Any) -> None:
    created = await client.users.by_user_id(ANA).events.post(event_body())
    assert created.id and created.i_cal_u_id
    got = await client.users.by_user_id(ANA).events.by_event_id(created.id).get()
    assert got.subject == "Interview"
    assert got.start.date_time == "2026-03-24T09:00:00.0000000"
    assert got.start.time_zone == "UTC"
    print(graph.round_trips)
