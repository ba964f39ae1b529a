"""The microsoft provider passes the provider conformance suite against the loopback fake,
through the real msgraph-sdk and azure-identity (client credentials)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

import pytest
from microsoft_helpers import answer, make_provider, override
from microsoft_tenant import ANA, ROOM

from panelist.testing import CalendarProviderConformance, CalendarUnderTest
from panelist.testing.conformance import MONDAY
from panelist_microsoft.testing import FakeGraph

ATTENDEE = "conformance.attendee@example.org"


class TestMicrosoftConformance(CalendarProviderConformance):
    @pytest.fixture
    async def calendar_under_test(self, graph: FakeGraph) -> AsyncIterator[CalendarUnderTest]:
        graph.add_user(ATTENDEE, "Attendee")
        provider = make_provider(graph, datetime.combine(MONDAY, time(), UTC))
        yield CalendarUnderTest(
            provider,
            calendar_id=ANA,
            respond=functools.partial(answer, graph),
            attendee_calendar_id=ATTENDEE,
            room_calendar_ids=(ROOM,),
            override=functools.partial(override, graph),
        )
        await provider.aclose()
