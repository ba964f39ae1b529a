"""The zoom provider passes the conference conformance suite against the loopback fake,
through the real zoomus: meetings with a waiting room, made once per key, moved in place."""

from __future__ import annotations

import pytest
from zoom_account import ANA, CARL
from zoom_helpers import zoom_provider

from panelist.testing import ConferenceProviderConformance, ConferenceUnderTest
from panelist_zoom.testing import FakeZoom


class TestZoomConformance(ConferenceProviderConformance):
    @pytest.fixture
    def conference_under_test(self, zoom: FakeZoom) -> ConferenceUnderTest:
        return ConferenceUnderTest(zoom_provider(zoom), host_email=ANA, unverified_email=CARL)
