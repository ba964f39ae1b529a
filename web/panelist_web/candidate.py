"""What the pages need from core's candidate side, and the page's view of a `CandidatePage`.

Pages read only a `PageView`: the candidate-facing fields core put in its `CandidatePage`
(company, type, length, first names when allowed, the offered slots), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from panelist.scheduling.links import CandidatePage, LinkUnavailable, OfferedSlot
from panelist.scheduling.links import SlotTaken as Taken

Unavailable = LinkUnavailable

__all__ = ["REASONS", "CandidateSide", "PageView", "Taken", "Unavailable", "view"]


class CandidateSide(Protocol):
    """`panelist.scheduling.links.CandidateLinks`, as far as the pages use it."""

    async def open(self, token: str, zone: str | None = None) -> CandidatePage: ...
    async def book(self, token: str, slot_id: str, zone: str) -> Any: ...
    async def reschedule(self, token: str, slot_id: str, zone: str) -> Any: ...
    async def cancel(self, token: str) -> None: ...
    def ics(self, token: str) -> bytes: ...


@dataclass(frozen=True)
class Reason:
    status: int
    title: str
    text: str


REASONS = {
    "unknown": Reason(
        404,
        "This link does not work",
        "We could not find this scheduling link. Please check that you copied the whole "
        "address from the mail, or ask the person who sent it for a new one.",
    ),
    "expired": Reason(
        410,
        "This link has expired",
        "The time to pick an interview slot with this link is over. If you still want to "
        "schedule the interview, please reply to the mail you received.",
    ),
    "withdrawn": Reason(
        410,
        "This link was withdrawn",
        "The company withdrew this scheduling link; you no longer need to pick a time with "
        "it. If that is unexpected, please reply to the mail you received.",
    ),
    "used": Reason(
        410,
        "This link has been used",
        "This link can no longer book an interview. If you need to change your interview, "
        "please reply to the mail you received.",
    ),
    "cancelled": Reason(
        410,
        "This interview was cancelled",
        "The interview booked with this link was cancelled. If you want a new time, please "
        "reply to the mail you received.",
    ),
    "closed": Reason(
        410,
        "This link can no longer be changed",
        "It is too close to the interview to change it here. Please reply to the mail you "
        "received.",
    ),
    "unavailable": Reason(
        410,
        "This link cannot be used now",
        "Please reply to the mail you received and ask for a new link.",
    ),
}

DONE = {"booked", "moved", "cancelled", "already"}


@dataclass(frozen=True)
class PageView:
    company: str
    type_name: str
    minutes: int
    method: str
    """'in person', 'phone' or 'video'."""
    interviewers: tuple[str, ...]
    zone: str
    days: tuple[tuple[date, tuple[OfferedSlot, ...]], ...]
    booked: OfferedSlot | None
    change_until: datetime | None
    can_change: bool

    def slot(self, slot_id: str) -> OfferedSlot | None:
        for _, slots in self.days:
            for slot in slots:
                if slot.id == slot_id:
                    return slot
        return None

    @property
    def label_instant(self) -> datetime:
        """The instant whose zone abbreviation (CET or CEST) the page names."""
        if self.booked is not None:
            return self.booked.start
        for _, slots in self.days:
            if slots:
                return slots[0].start
        return datetime.now().astimezone()


def view(page: CandidatePage) -> PageView:
    return PageView(
        company=page.company_name,
        type_name=page.type_name,
        minutes=page.minutes,
        method=page.method,
        interviewers=tuple(page.interviewers),
        zone=page.zone,
        days=tuple((day.day, day.slots) for day in page.days),
        booked=page.booked,
        change_until=page.change_until,
        can_change=page.can_change,
    )
