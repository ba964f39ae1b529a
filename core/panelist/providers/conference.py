"""The contract a video-conference provider fulfils: Jitsi, Zoom, Teams, Meet, GoTo …"""

from __future__ import annotations

import enum
from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

from panelist.errors import NotSupported
from panelist.providers.base import Provider


class ConferenceCapability(enum.Flag):
    NONE = 0
    VERIFIES_HOSTS = enum.auto()
    """Hosts must hold a verified account; `is_verified_host` asks the provider."""
    UPDATE_IN_PLACE = enum.auto()
    """A meeting's time can change without a new link."""
    IDEMPOTENT_CREATE = enum.auto()
    """A create repeated with the same key returns the first meeting."""
    DIAL_IN = enum.auto()
    """Meetings come with telephone dial-in details."""
    LISTS_HOST_MEETINGS = enum.auto()
    """`host_meetings` lists a host's meetings at the provider, those made outside Panelist
    too, so core keeps a host to one meeting at a time where the provider itself lets
    meetings overlap (Zoom, GoTo Meeting)."""


@dataclass(frozen=True)
class MeetingDraft:
    topic: str
    start: datetime
    end: datetime
    host_email: str
    timezone: str = "UTC"
    agenda: str = ""


@dataclass(frozen=True)
class HostMeeting:
    """A meeting a host has at the provider: when, and its id (its topic may be private)."""

    meeting_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    join_url: str
    host_email: str
    start: datetime
    end: datetime
    dial_in: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


class ConferenceProvider(Provider):
    """Creates the video meeting an interview takes place in."""

    capabilities: ConferenceCapability = ConferenceCapability.NONE

    @abstractmethod
    async def is_verified_host(self, email: str) -> bool:
        """Whether this person may host meetings here (an active, verified account)."""

    @abstractmethod
    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        """Create a meeting; the same key must never yield a second meeting at the provider."""

    @abstractmethod
    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        """Move or rename the meeting, keeping its join link where the provider can."""

    @abstractmethod
    async def delete_meeting(self, meeting_id: str) -> None:
        """Delete the meeting; deleting one that is already gone is not an error."""

    async def host_meetings(
        self, host_email: str, start: datetime, end: datetime
    ) -> list[HostMeeting]:
        """The host's meetings overlapping [start, end), Panelist's own included
        (with `LISTS_HOST_MEETINGS`)."""
        raise NotSupported(f"{self.display_name} does not list a host's meetings", provider=self.id)

    def join_link(self, meeting: Meeting) -> str:
        """The link participants open; providers may add a passcode or similar."""
        return meeting.join_url
