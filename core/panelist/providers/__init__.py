"""Provider contracts: what a calendar or conference plugin implements."""

from panelist.providers.base import (
    Check,
    CheckStatus,
    Provider,
    ProviderContext,
    ProviderOption,
    number_setting,
)
from panelist.providers.calendar import CalendarCapability, CalendarProvider
from panelist.providers.conference import (
    ConferenceCapability,
    ConferenceProvider,
    HostMeeting,
    Meeting,
    MeetingDraft,
)
from panelist.providers.events import (
    Attendee,
    BusyInterval,
    CalendarEvent,
    EventDraft,
    EventTime,
    ResponseStatus,
    RoomInfo,
    SyncResult,
    Transparency,
)

__all__ = [
    "Attendee",
    "BusyInterval",
    "CalendarCapability",
    "CalendarEvent",
    "CalendarProvider",
    "Check",
    "CheckStatus",
    "ConferenceCapability",
    "ConferenceProvider",
    "EventDraft",
    "EventTime",
    "HostMeeting",
    "Meeting",
    "MeetingDraft",
    "Provider",
    "ProviderContext",
    "ProviderOption",
    "ResponseStatus",
    "RoomInfo",
    "SyncResult",
    "Transparency",
    "number_setting",
]
