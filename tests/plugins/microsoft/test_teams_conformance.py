"""The teams provider passes the conference conformance suite against the loopback fake:
Teams meetings made by an event in the host's mailbox (a host whose calendar is elsewhere),
hosts verified by their Teams licence in the directory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from microsoft_helpers import settings_for
from microsoft_tenant import ANA, CARL, SECRET

from panelist.clock import FrozenClock
from panelist.errors import ProviderError
from panelist.providers import MeetingDraft, ProviderContext
from panelist.testing import ConferenceProviderConformance, ConferenceUnderTest
from panelist_microsoft.teams import TeamsProvider
from panelist_microsoft.testing import FakeGraph

NOW = datetime(2026, 3, 23, tzinfo=UTC)
START = datetime(2026, 3, 24, 9, tzinfo=UTC)


def teams_provider(graph: FakeGraph) -> TeamsProvider:
    context = ProviderContext(
        database=None,
        clock=FrozenClock(NOW),
        settings=settings_for(graph),
        secret_lookup=lambda provider, name: SECRET if name == "client_secret" else None,
    )
    return TeamsProvider(context)


class TestTeamsConformance(ConferenceProviderConformance):
    @pytest.fixture
    def conference_under_test(self, graph: FakeGraph) -> ConferenceUnderTest:
        return ConferenceUnderTest(teams_provider(graph), host_email=ANA, unverified_email=CARL)


@pytest.mark.anyio
async def test_the_meeting_is_a_private_free_event_in_the_hosts_mailbox(graph: FakeGraph) -> None:
    provider = teams_provider(graph)
    draft = MeetingDraft("Interview", START, START.replace(hour=10), ANA)
    meeting = await provider.create_meeting(draft, "interview-3-meeting")
    (held,) = [e for e in graph.events(ANA) if e.get("subject") == "Interview"]
    assert (held["isOnlineMeeting"], held["onlineMeetingProvider"]) == (True, "teamsForBusiness")
    assert (held["sensitivity"], held["showAs"]) == ("private", "free")
    assert meeting.join_url == held["onlineMeeting"]["joinUrl"]
    assert meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")

    again = await provider.create_meeting(draft, "interview-3-meeting")  # a retry
    assert again == meeting
    assert len([e for e in graph.events(ANA) if e.get("subject") == "Interview"]) == 1

    moved = await provider.update_meeting(
        meeting.meeting_id, MeetingDraft("Interview", START.replace(hour=13),
                                         START.replace(hour=14), ANA)
    )  # fmt: skip
    assert (moved.meeting_id, moved.join_url) == (meeting.meeting_id, meeting.join_url)
    await provider.delete_meeting(meeting.meeting_id)
    await provider.delete_meeting(meeting.meeting_id)  # gone already: not an error
    assert [e for e in graph.events(ANA) if e.get("subject") == "Interview"] == []


@pytest.mark.anyio
async def test_a_host_without_teams_is_not_verified_and_gets_no_half_made_meeting(
    graph: FakeGraph,
) -> None:
    provider = teams_provider(graph)
    assert await provider.is_verified_host(ANA)
    assert not await provider.is_verified_host(CARL)  # no Teams licence
    assert not await provider.is_verified_host("nobody@contoso.example")
    draft = MeetingDraft("Interview", START, START.replace(hour=10), CARL)
    with pytest.raises(ProviderError, match="licensed for Teams"):
        await provider.create_meeting(draft, "interview-4-meeting")
    assert graph.events(CARL) == []
