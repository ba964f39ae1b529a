"""The commit-time re-check: asked of the providers themselves, never only of the cache.

Every participant's calendar and the room's are read for the chosen time, all at
once; so is the video provider, when it verifies hosts. A person is busy during
opaque events they have not declined or answered "maybe" to (tentative is a
soft conflict, as in the grid); a room is taken by any booking that is not free.
The interview's own events (when it is being moved) do not count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from panelist.errors import NotSupported, ProviderError, ProviderUnavailable
from panelist.models import Employee, Room
from panelist.providers import (
    CalendarEvent,
    CalendarProvider,
    ConferenceCapability,
    ResponseStatus,
    Transparency,
)
from panelist.providers.ical import overlaps
from panelist.scheduling.errors import HostNotVerified, RoomTaken, SlotTaken
from panelist.scheduling.retry import RetryPolicy, with_retries
from panelist.scheduling.validation import Slot, absences
from panelist.workspace import Workspace


@dataclass(frozen=True)
class _Busy:
    owner: Employee | Room
    spans: tuple[str, ...]


async def recheck_providers(
    ws: Workspace,
    slot: Slot,
    policy: RetryPolicy,
    *,
    own_uids: Collection[str] = (),
    video: tuple[str, str] | None = None,
) -> None:
    """Raise `SlotTaken`, `RoomTaken` or `HostNotVerified` from what the providers say now.

    `video` is (provider id, host account) for a video interview.
    """
    owners: list[Employee | Room] = [p for p in slot.participants if p.calendar_id]
    if slot.room is not None and slot.room.calendar_id:
        owners.append(slot.room)
    checks = asyncio.gather(*(_busy_of(ws, owner, slot, policy, own_uids) for owner in owners))
    found, verified = await asyncio.gather(checks, _host_verified(ws, video, policy))
    busy = [b for b in found if b.spans]
    rooms = [b for b in busy if isinstance(b.owner, Room)]
    if rooms:
        raise RoomTaken(rooms[0].owner.name, f"{', '.join(rooms[0].spans)} in its calendar")
    people = [f"{b.owner.name} is busy {', '.join(b.spans)}" for b in busy]
    people += absences(ws.db, slot)
    if people:
        raise SlotTaken(people)
    if video is not None and not verified and slot.video_host is not None:
        raise HostNotVerified(slot.video_host.name, ws.conference_provider(video[0]).display_name)


def _named(exc: ProviderError, message: str, provider: str) -> ProviderError:
    """The provider's failure, reworded to say whose calendar could not be checked."""
    kind = ProviderUnavailable if exc.retryable else ProviderError
    return kind(f"{message}: {exc}" if not exc.retryable else message, provider=provider)


async def _busy_of(
    ws: Workspace,
    owner: Employee | Room,
    slot: Slot,
    policy: RetryPolicy,
    own_uids: Collection[str],
) -> _Busy:
    assert owner.calendar_provider is not None and owner.calendar_id is not None
    provider = ws.calendar_provider(owner.calendar_provider)
    whose = f"{owner.name}'s calendar" if isinstance(owner, Employee) else f"room {owner.name}"
    try:
        return await _read_busy(provider, owner.calendar_id, owner, slot, policy, own_uids)
    except ProviderError as exc:
        message = f"{provider.display_name} did not answer for {whose}; the time is not checked"
        raise _named(exc, message, provider.id) from exc


async def _read_busy(
    provider: CalendarProvider,
    calendar_id: str,
    owner: Employee | Room,
    slot: Slot,
    policy: RetryPolicy,
    own_uids: Collection[str],
) -> _Busy:
    try:
        events = await with_retries(
            lambda: provider.list_events(calendar_id, slot.start, slot.end),
            policy,
            provider=provider.id,
        )
    except NotSupported:  # only free/busy is shared with us
        answer = await with_retries(
            lambda: provider.free_busy([calendar_id], slot.start, slot.end),
            policy,
            provider=provider.id,
        )
        hard = [
            b
            for b in answer.get(calendar_id, [])
            if b.transparency is Transparency.BUSY or isinstance(owner, Room)
        ]
        return _Busy(owner, tuple(slot.span(b.start, b.end) for b in hard))
    blocking = [
        e
        for e in events
        if e.uid not in own_uids and _blocks(e, owner) and overlaps(e, slot.start, slot.end)
    ]
    return _Busy(owner, tuple(_span(slot, e) for e in blocking))


def _blocks(event: CalendarEvent, owner: Employee | Room) -> bool:
    if event.cancelled or event.transparency is Transparency.FREE:
        return False
    if isinstance(owner, Room):
        return True
    if event.transparency is Transparency.TENTATIVE:
        return False
    answer = event.response_of(owner.email)
    return answer not in (ResponseStatus.DECLINED, ResponseStatus.TENTATIVE)


def _span(slot: Slot, event: CalendarEvent) -> str:
    if not isinstance(event.start, datetime) or not isinstance(event.end, datetime):
        return "all day"
    return slot.span(event.start, event.end)


async def _host_verified(ws: Workspace, video: tuple[str, str] | None, policy: RetryPolicy) -> bool:
    if video is None:
        return True
    provider = ws.conference_provider(video[0])
    if ConferenceCapability.VERIFIES_HOSTS not in provider.capabilities:
        return True
    account = video[1]
    try:
        return await with_retries(
            lambda: provider.is_verified_host(account), policy, provider=provider.id
        )
    except ProviderError as exc:
        message = f"{provider.display_name} did not answer whether {account} may host"
        raise _named(exc, message, provider.id) from exc
