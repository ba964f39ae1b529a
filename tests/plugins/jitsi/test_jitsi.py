"""Jitsi Meet: conformance, and the shape of its links."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from panelist.clock import FrozenClock
from panelist.errors import EventNotFound, ValidationError
from panelist.providers import MeetingDraft, ProviderContext
from panelist.testing import ConferenceProviderConformance, ConferenceUnderTest
from panelist_jitsi.provider import JitsiConferenceProvider, room_name

pytestmark = pytest.mark.anyio
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DRAFT = MeetingDraft(
    topic="Interview Ana de Vries",
    start=datetime(2026, 3, 24, 10, tzinfo=AMSTERDAM),
    end=datetime(2026, 3, 24, 11, tzinfo=AMSTERDAM),
    host_email="bob@example.org",
    timezone="Europe/Amsterdam",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def jitsi(clock: FrozenClock, **settings: str) -> JitsiConferenceProvider:
    return JitsiConferenceProvider(ProviderContext(database=None, clock=clock, settings=settings))


class TestJitsiConformance(ConferenceProviderConformance):
    @pytest.fixture
    def conference_under_test(self, panelist_clock: FrozenClock) -> ConferenceUnderTest:
        return ConferenceUnderTest(jitsi(panelist_clock), host_email="bob@example.org")


async def test_link_is_a_readable_room_derived_from_the_key(panelist_clock: FrozenClock) -> None:
    meeting = await jitsi(panelist_clock).create_meeting(DRAFT, "interview-17-meeting")
    assert re.fullmatch(r"https://meet\.jit\.si/Panelist(-[a-z2-7]{5}){4}", meeting.join_url)
    assert meeting.meeting_id == room_name("interview-17-meeting")
    assert meeting.join_url.endswith(meeting.meeting_id)
    # The topic holds the candidate's name; the public link must not.
    assert "ana" not in meeting.join_url.lower()


async def test_same_key_gives_the_same_room_without_any_state(
    panelist_clock: FrozenClock,
) -> None:
    # Two instances share nothing, as two Panelist processes would.
    first = await jitsi(panelist_clock).create_meeting(DRAFT, "k-1")
    second = await jitsi(panelist_clock).create_meeting(DRAFT, "k-1")
    assert first == second
    assert room_name("k-1") != room_name("k-2")


async def test_base_url_comes_from_the_settings(panelist_clock: FrozenClock) -> None:
    provider = jitsi(panelist_clock, base_url="https://jitsi.example.org/")
    meeting = await provider.create_meeting(DRAFT, "k")
    assert meeting.join_url == f"https://jitsi.example.org/{room_name('k')}"
    assert [o.name for o in JitsiConferenceProvider.options] == ["base_url"]
    assert JitsiConferenceProvider.options[0].default == "https://meet.jit.si"


async def test_any_valid_email_may_host(panelist_clock: FrozenClock) -> None:
    provider = jitsi(panelist_clock)
    assert await provider.is_verified_host("carol@example.org") is True
    assert await provider.is_verified_host("not an email") is False
    with pytest.raises(ValidationError, match="not an email"):
        await provider.create_meeting(
            MeetingDraft("x", DRAFT.start, DRAFT.end, host_email="nobody"), "k"
        )


async def test_updating_a_room_that_is_not_ours_is_event_not_found(
    panelist_clock: FrozenClock,
) -> None:
    with pytest.raises(EventNotFound):
        await jitsi(panelist_clock).update_meeting("someone-elses-room", DRAFT)
