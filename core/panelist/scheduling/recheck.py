"""The commit-time re-check: asked of the providers themselves, never only of the cache.

Every participant's calendar and the room's are read for the chosen time, all at
once; so is the video provider, when it verifies hosts. Who is busy is decided
by the availability engine that draws the grid and ranks the suggestions: the
freshly read events (`read_calendar`, the grid's reader: a calendar that shares
only free/busy gives its busy times) and the absences become the same timelines
(`person_timeline`, `room_timeline`), read a day either side of the slot so that
all-day and floating events fall on the owner's local days as in the grid,
whatever zone the chosen time is given in. A person is busy where their
timeline is hard: opaque events they have not declined or answered "maybe" to,
absences, the known span of an event that could not be read (tentative is a
soft conflict). A room is taken by what holds it for the finder (`room_busy`).
The interview's own events (when it is being moved) do not count.

Working hours and public holidays are not re-checked: the grid and the finder
keep to them, but they are the recruiter's to override (SPEC §3), and a time
chosen outside them is that decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from panelist.availability import (
    Block,
    BlockKind,
    Timeline,
    person_timeline,
    room_timeline,
)
from panelist.availability.constraints import room_busy
from panelist.availability.localtime import minutes_ceil, minutes_floor
from panelist.errors import ProviderError, ProviderUnavailable
from panelist.models import Employee, Room
from panelist.providers import (
    CalendarEvent,
    ConferenceCapability,
    HostMeeting,
)
from panelist.retry import RetryPolicy, with_retries
from panelist.scheduling.errors import (
    HostHasOverlappingMeeting,
    HostNotVerified,
    RoomTaken,
    SlotTaken,
)
from panelist.scheduling.validation import Slot
from panelist.services.calendar_view import read_absences, read_calendar
from panelist.services.directory import get_setting
from panelist.workspace import Workspace

# Wider than any UTC offset: an all-day or floating event of any zone reaches the timeline.
_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class _Window:
    """The span read around the slot, and the slot in the timelines' minutes."""

    start: datetime
    end: datetime
    slot: tuple[int, int]

    @classmethod
    def around(cls, slot: Slot) -> _Window:
        return cls(
            slot.start - _MARGIN,
            slot.end + _MARGIN,
            (minutes_floor(slot.start), minutes_ceil(slot.end)),
        )


@dataclass(frozen=True)
class _Read:
    """One calendar's timeline over the window, and which of its events are all-day."""

    timeline: Timeline
    all_day: frozenset[str] = frozenset()


async def recheck_providers(
    ws: Workspace,
    slot: Slot,
    policy: RetryPolicy,
    *,
    own_uids: Collection[str] = (),
    video: tuple[str, str] | None = None,
) -> None:
    """Raise `SlotTaken`, `RoomTaken`, `HostNotVerified` or `HostHasOverlappingMeeting`
    from what the providers say now.

    `video` is (provider id, host account) for a video interview; where the video provider
    lists a host's meetings (`LISTS_HOST_MEETINGS`), one of them overlapping the slot (but
    for the interview's own, among `own_uids`) is a conflict as an interview would be.
    """
    window = _Window.around(slot)
    people = [_person(ws, p, window, policy, own_uids) for p in slot.participants]
    rooms = [_room(ws, slot.room, window, policy, own_uids)] if slot.room is not None else []
    reads = asyncio.gather(*people, *rooms)
    found, verified, hosting = await asyncio.gather(
        reads, _host_verified(ws, video, policy), _host_meetings(ws, video, slot, policy)
    )
    read_people, read_rooms = found[: len(people)], found[len(people) :]
    for read in read_rooms:
        if room_busy(read.timeline).overlaps(*window.slot):
            spans = _spans(slot, read, window, {BlockKind.BUSY, BlockKind.TENTATIVE})
            raise RoomTaken(read.timeline.name, f"{spans} in its calendar".lstrip())
    problems = [problem for read in read_people for problem in _person_problems(slot, read, window)]
    if problems:
        raise SlotTaken(problems)
    if video is not None and not verified and slot.video_host is not None:
        raise HostNotVerified(slot.video_host.name, ws.conference_provider(video[0]).display_name)
    others = [m for m in hosting if m.meeting_id not in own_uids]
    if others and video is not None and slot.video_host is not None:
        name = ws.conference_provider(video[0]).display_name
        when = slot.span(others[0].start, others[0].end)
        raise HostHasOverlappingMeeting(slot.video_host.name, when, f"a {name} meeting")


def _person_problems(slot: Slot, read: _Read, window: _Window) -> list[str]:
    """Why the person is not free for the slot: their timeline's hard part decides."""
    timeline = read.timeline
    if not timeline.hard.overlaps(*window.slot):
        return []
    problems = []
    if spans := _spans(slot, read, window, {BlockKind.BUSY}):
        problems.append(f"{timeline.name} is busy {spans}")
    if _overlapping(read, window, {BlockKind.ABSENT}):
        problems.append(f"{timeline.name} is absent")
    return problems or [f"{timeline.name} is busy"]


def _spans(slot: Slot, read: _Read, window: _Window, kinds: Collection[BlockKind]) -> str:
    """When the blocks of `kinds` that overlap the slot are, for the message."""
    return ", ".join(_span(slot, read, block) for block in _overlapping(read, window, kinds))


def _overlapping(read: _Read, window: _Window, kinds: Collection[BlockKind]) -> list[Block]:
    start, end = window.slot
    return [
        block
        for block in read.timeline.blocks
        if block.kind in kinds and block.start < end and block.end > start
    ]


def _span(slot: Slot, read: _Read, block: Block) -> str:
    """When the block is, in the interview's zone; a block cut at the edge of what was read
    (a day either side of the slot) says only the end that is known."""
    timeline = read.timeline
    cut_before, cut_after = block.start <= timeline.start, block.end >= timeline.end
    if (block.uid and block.uid in read.all_day) or (cut_before and cut_after):
        return "all day"
    if cut_before:
        return f"until {slot.moment(block.end_at)}"
    if cut_after:
        return f"from {slot.moment(block.start_at)}"
    return slot.span(block.start_at, block.end_at)


def _named(exc: ProviderError, message: str, provider: str) -> ProviderError:
    """The provider's failure, reworded to say whose calendar could not be checked."""
    kind = ProviderUnavailable if exc.retryable else ProviderError
    return kind(f"{message}: {exc}" if not exc.retryable else message, provider=provider)


async def _person(
    ws: Workspace,
    person: Employee,
    window: _Window,
    policy: RetryPolicy,
    own_uids: Collection[str],
) -> _Read:
    """The person's timeline as the grid builds it: their events (if integrated) and absences."""
    events = await _events(ws, person, f"{person.name}'s calendar", window, policy)
    first, last = (window.start - _MARGIN).date(), (window.end + _MARGIN).date()
    timeline = person_timeline(
        person,
        events,
        window.start,
        window.end,
        absences=read_absences(ws, person.id, first, last),
        ignore_uids=own_uids,
    )
    return _Read(timeline, _all_day(events))


async def _room(
    ws: Workspace,
    room: Room,
    window: _Window,
    policy: RetryPolicy,
    own_uids: Collection[str],
) -> _Read:
    events = await _events(ws, room, f"room {room.name}", window, policy)
    zone = str(get_setting(ws.db, "company_timezone"))
    timeline = room_timeline(
        room, events, window.start, window.end, zone=zone, ignore_uids=own_uids
    )
    return _Read(timeline, _all_day(events))


def _all_day(events: Sequence[CalendarEvent]) -> frozenset[str]:
    return frozenset(e.uid for e in events if e.uid and e.all_day)


async def _events(
    ws: Workspace, owner: Employee | Room, whose: str, window: _Window, policy: RetryPolicy
) -> list[CalendarEvent]:
    """The owner's events over the window, read live; none when its calendar is not
    integrated."""
    calendar_id = owner.calendar_id
    if owner.calendar_provider is None or calendar_id is None:
        return []
    provider = ws.calendar_provider(owner.calendar_provider)
    try:
        return await with_retries(
            lambda: read_calendar(provider, calendar_id, window.start, window.end),
            policy,
            provider=provider.id,
        )
    except ProviderError as exc:
        message = f"{provider.display_name} did not answer for {whose}; the time is not checked"
        raise _named(exc, message, provider.id) from exc


async def _host_meetings(
    ws: Workspace, video: tuple[str, str] | None, slot: Slot, policy: RetryPolicy
) -> list[HostMeeting]:
    """The host's meetings at the video provider during the slot, where it lists them."""
    if video is None:
        return []
    provider = ws.conference_provider(video[0])
    if ConferenceCapability.LISTS_HOST_MEETINGS not in provider.capabilities:
        return []
    account = video[1]
    try:
        return await with_retries(
            lambda: provider.host_meetings(account, slot.start, slot.end),
            policy,
            provider=provider.id,
        )
    except ProviderError as exc:
        message = f"{provider.display_name} did not answer which meetings {account} hosts"
        raise _named(exc, message, provider.id) from exc


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
