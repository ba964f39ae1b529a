"""The CalDAV provider passes the provider conformance suite against a real Radicale."""

from __future__ import annotations

import functools

import pytest
from caldav_helpers import Calendar, ProviderFactory, add_override, answer_invitation

from panelist.testing import CalendarProviderConformance, CalendarUnderTest


class TestCalDAVConformance(CalendarProviderConformance):
    @pytest.fixture
    def calendar_under_test(
        self, calendar: Calendar, make_provider: ProviderFactory
    ) -> CalendarUnderTest:
        provider = make_provider(calendar.server.url, calendar.user)
        respond = functools.partial(answer_invitation, calendar.server, calendar.user)
        override = functools.partial(add_override, calendar.server, calendar.user)
        return CalendarUnderTest(
            provider, calendar_id=calendar.calendar_id, respond=respond, override=override
        )
