"""The google_meet provider passes the conference conformance suite against the loopback
fake: Meets made by conferenceData on the host's calendar, read again while pending."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from google_domain import ANA
from google_helpers import ADMIN, delegated_key, settings_for

from panelist.clock import FrozenClock
from panelist.errors import ProviderError
from panelist.providers import MeetingDraft, ProviderContext
from panelist.testing import ConferenceProviderConformance, ConferenceUnderTest
from panelist_google.meet import GoogleMeetProvider
from panelist_google.testing import FakeGoogle

NOW = datetime(2026, 3, 23, tzinfo=UTC)


def meet_provider(google: FakeGoogle, key: Path) -> GoogleMeetProvider:
    context = ProviderContext(
        database=None,
        clock=FrozenClock(NOW),
        settings=settings_for(google, key),
        secret_lookup=lambda provider, name: None,
    )
    return GoogleMeetProvider(context)


class TestGoogleMeetConformance(ConferenceProviderConformance):
    @pytest.fixture
    def conference_under_test(self, google: FakeGoogle, tmp_path: Path) -> ConferenceUnderTest:
        google.add_user(ADMIN, "Admin", is_admin=True)
        google.add_user("gone@example.com", suspended=True)
        google.meet_pending_reads = 1  # Google answers "pending" first, as it does
        provider = meet_provider(google, delegated_key(google, tmp_path / "key.json"))
        return ConferenceUnderTest(provider, host_email=ANA, unverified_email="gone@example.com")


@pytest.mark.anyio
async def test_the_meet_lives_on_the_hosts_calendar_and_a_failure_is_one_line(
    google: FakeGoogle, tmp_path: Path
) -> None:
    google.add_user(ADMIN, "Admin", is_admin=True)
    google.add_user("nomeet@example.com", meet_enabled=False)
    provider = meet_provider(google, delegated_key(google, tmp_path / "key.json"))
    start = datetime(2026, 3, 24, 9, tzinfo=UTC)
    draft = MeetingDraft("Interview", start, start.replace(hour=10), ANA)
    meeting = await provider.create_meeting(draft, "interview-3-meeting")
    insert = google.calls_of("calendar.events.insert")[-1]
    assert (insert.subject, insert.query["conferenceDataVersion"]) == (ANA, ["1"])
    assert meeting.join_url.startswith("https://meet.google.com/")
    assert meeting.meeting_id.startswith(f"{ANA}/")
    with pytest.raises(ProviderError, match=r"would not create a Meet for nomeet@example\.com"):
        await provider.create_meeting(
            MeetingDraft("Interview", start, start.replace(hour=10), "nomeet@example.com"), "k2"
        )
