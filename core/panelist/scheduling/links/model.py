"""The link's public values: states, errors, requests and what the page shows."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

from panelist.errors import (
    NotFound,
    PanelistError,
    ProviderError,
)
from panelist.models import Method
from panelist.scheduling.requests import (
    ParticipantRequest,
)

MAX_WINDOW_DAYS = 35
MAX_OPTIONS = 50
MAX_CHANGE_HOURS = 720
TOKEN_PLACEHOLDER = "[scheduling-link-token]"
"""What the outbox keeps instead of the token in the text of a link's mail."""
PURPOSE = "scheduling_link"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
"""Where `panelist serve` answers by default: the links' base when no http(s) base is set."""
STEP = timedelta(minutes=15)
MIN_NOTICE = timedelta(hours=2)
"""The earliest option starts this long after the page is asked for."""
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class LinkState(enum.StrEnum):
    """A link's effective state: the stored one, with expiry read against the clock."""

    DRAFT = "draft"
    """Made, its mail not sent yet."""
    SENT = "sent"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    """The candidate cancelled the interview they booked through it."""
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "draft": "Link not sent",
            "sent": "Link sent",
            "booked": "Booked",
            "cancelled": "Cancelled by the candidate",
            "expired": "Expired",
            "withdrawn": "Withdrawn",
        }[self.value]


class LinkUnavailable(NotFound):
    """The candidate's link cannot be used; `reason` is one of "unknown", "expired",
    "withdrawn", "used" (booked or cancelled and no longer changeable) or "unavailable"
    (the recruiter who made it may no longer schedule). The message is fit for the
    candidate: it names nothing internal."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "This scheduling link is not valid. Please check the link in your mail.",
        "expired": "This scheduling link has expired. Please contact us for a new one.",
        "withdrawn": "This scheduling link was withdrawn. Please contact us.",
        "used": "This scheduling link was already used and can no longer be changed.",
        "unavailable": "This scheduling link cannot be used at the moment. Please contact us.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES.get(reason, self.MESSAGES["unknown"]))
        self.reason = reason


class SlotTaken(PanelistError):
    """The chosen time is no longer free (someone else took it, or it is no longer offered):
    the page shows fresh options. The message names nobody."""

    def __init__(self) -> None:
        super().__init__("That time is no longer available. Please choose another one.")


class LinkMailNotSent(ProviderError):
    """The link's mail did not go; the outbox keeps it (`retryable`: try again later)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message, provider="mail")
        self.retryable = retryable


@dataclass(frozen=True, kw_only=True)
class LinkRequest:
    """What the recruiter chose for a scheduling link."""

    application_id: int
    type_id: int | None
    organiser_id: int
    participants: tuple[ParticipantRequest, ...]
    room_id: int | None
    """A fixed room, or None (then `room_seats`, if given: any free room with that many)."""
    method: Method
    video_provider: str | None
    video_host_id: int | None
    minutes: int
    window_start: date
    """The first day offered, in the organiser's zone."""
    expires_at: datetime
    window_days: int = 14
    max_options: int = 12
    change_until_hours: int = 24
    room_seats: int | None = None


@dataclass(frozen=True)
class CreatedLink:
    link_id: int
    token: str
    """The raw token: only here, never stored."""
    url: str


@dataclass(frozen=True)
class LinkSummary:
    """One link on the application's Interviews tab."""

    id: int
    state: LinkState
    type_name: str
    minutes: int
    window_first: date
    window_last: date
    zone: str
    expires_at: datetime
    created_at: datetime
    sent_at: datetime | None
    interview_id: int | None
    booked_start: datetime | None
    booked_end: datetime | None
    mail_error: str | None = None
    """Why the link's mail did not go (yet), while it did not."""

    @property
    def open(self) -> bool:
        """Whether withdrawing it changes anything."""
        return self.state in (LinkState.DRAFT, LinkState.SENT, LinkState.BOOKED)


@dataclass(frozen=True)
class OfferedSlot:
    """An option on the candidate's page: `start` and `end` in the page's zone."""

    id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class OfferedDay:
    day: date
    slots: tuple[OfferedSlot, ...]


@dataclass(frozen=True)
class CandidatePage:
    """Everything the candidate may see, and nothing more."""

    state: LinkState
    company_name: str
    candidate_name: str
    job_title: str
    type_name: str
    minutes: int
    method: str
    """'in person', 'phone' or 'video'."""
    interviewers: tuple[str, ...]
    """First names, only when the setting links_show_interviewers allows; else empty."""
    zone: str
    default_zone: str
    days: tuple[OfferedDay, ...]
    expires_at: datetime
    """In `zone`."""
    booked: OfferedSlot | None = None
    change_until: datetime | None = None
    """Until when the booking may be changed or cancelled here (in `zone`)."""
    can_change: bool = False

    @property
    def slots(self) -> tuple[OfferedSlot, ...]:
        return tuple(slot for day in self.days for slot in day.slots)


@dataclass(frozen=True)
class Booked:
    """The candidate's booking, as the confirmation page shows it (times in `zone`)."""

    slot: OfferedSlot
    zone: str
    change_until: datetime | None
    type_name: str
    company_name: str
    location: str
    """'Video call' (the link is in the mail), 'Phone', or the room and its address."""
