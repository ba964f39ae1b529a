"""The gotomeeting provider passes the conference conformance suite against the loopback
fake GoTo, through its real httpx client."""

from __future__ import annotations

import pytest
from goto_helpers import ANA, CARL, Company

from panelist.testing import ConferenceProviderConformance, ConferenceUnderTest


class TestGoToMeetingConformance(ConferenceProviderConformance):
    @pytest.fixture
    def conference_under_test(self, acme: Company) -> ConferenceUnderTest:
        return ConferenceUnderTest(acme.provider(), host_email=ANA, unverified_email=CARL)
