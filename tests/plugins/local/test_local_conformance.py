"""The local calendar passes the provider conformance suite, on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from panelist.clock import FrozenClock
from panelist.providers import ProviderContext
from panelist.storage.database import open_database
from panelist.testing import CalendarProviderConformance, CalendarUnderTest
from panelist_local.migrations import local_migrations
from panelist_local.provider import LocalCalendarProvider


class TestLocalCalendarConformance(CalendarProviderConformance):
    @pytest.fixture
    def calendar_under_test(
        self, tmp_path: Path, panelist_clock: FrozenClock
    ) -> Iterator[CalendarUnderTest]:
        db = open_database(tmp_path / "x.db", [local_migrations])
        db["rooms"].insert(
            {
                "name": "Amstel",
                "capacity": 6,
                "calendar_provider": "local",
                "calendar_id": "room:Amstel",
            }
        )
        provider = LocalCalendarProvider(ProviderContext(database=db, clock=panelist_clock))
        yield CalendarUnderTest(
            provider,
            calendar_id="ana@example.org",
            respond=provider.set_response,
            override=provider.override_occurrence,
            room_calendar_ids=("room:Amstel",),
        )
        db.close()
