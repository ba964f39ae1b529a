"""The google provider passes the provider conformance suite against the loopback fake,
through the real google-api-python-client and google-auth (service account, delegation)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from google_domain import ANA, ROOM
from google_helpers import ADMIN, answer, delegated_key, make_provider, override, settings_for

from panelist.testing import CalendarProviderConformance, CalendarUnderTest
from panelist.testing.conformance import MONDAY
from panelist_google.testing import FakeGoogle


class TestGoogleConformance(CalendarProviderConformance):
    @pytest.fixture
    def calendar_under_test(self, google: FakeGoogle, tmp_path: Path) -> CalendarUnderTest:
        google.add_user(ADMIN, "Admin", is_admin=True)
        google.add_user("conformance.attendee@example.org")
        key = delegated_key(google, tmp_path / "key.json")
        from datetime import UTC, datetime, time

        provider = make_provider(settings_for(google, key), datetime.combine(MONDAY, time(), UTC))
        return CalendarUnderTest(
            provider,
            calendar_id=ANA,
            respond=functools.partial(answer, google),
            attendee_calendar_id="conformance.attendee@example.org",
            room_calendar_ids=(ROOM,),
            override=functools.partial(override, google),
        )
