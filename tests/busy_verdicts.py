"""One question asked three ways: are these people (and the room) free at this time?

Issue 11, item 2. The calendar grid answers it by highlighting the time as
free, the slot finder by suggesting it, and the commit-time re-check by
booking it. Each answer comes from the real path a recruiter takes: the view loaded
from the providers for the viewer's week, `suggest_slots` on that view, and
`SchedulingService.invite`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from panelist.scheduling import InterviewRequest, RoomTaken, SchedulingService, SlotTaken
from panelist.services.calendar_view import load_calendar_view, suggest_slots


@dataclass(frozen=True)
class Verdicts:
    grid: bool
    """The grid does not highlight the time as free."""
    finder: bool
    """The finder does not suggest it."""
    recheck: bool
    """The re-check at commit time refuses it."""

    @classmethod
    def all(cls, busy: bool) -> Verdicts:
        return cls(busy, busy, busy)


async def verdicts(
    service: SchedulingService,
    request: InterviewRequest,
    open_holidays: frozenset[date] = frozenset(),
) -> Verdicts:
    """The three answers for the participants and room of `request`, at its time.

    `open_holidays`: public holidays the recruiter opened in the grid and the finder.
    """
    ws = service.ws
    people = [p.employee_id for p in request.participants]
    rooms = [request.room_id] if request.room_id is not None else []
    start, end = request.start, request.end
    zone = ZoneInfo(ws.user.timezone)
    monday = start.astimezone(zone).date() - timedelta(days=start.astimezone(zone).weekday())
    week_start = datetime.combine(monday, time(), zone)
    view = await load_calendar_view(ws, people, rooms, week_start, week_start + timedelta(days=7))
    highlighted = any(
        a <= start and end <= b for a, b in view.free_spans(open_holidays=open_holidays)
    )
    found = suggest_slots(
        ws, view, end - start, window_start=start, window_end=end, open_holidays=open_holidays
    )
    suggested = start in [slot.start for slot in found.feasible]
    try:
        await service.invite(request)
        refused = False
    except (SlotTaken, RoomTaken):
        refused = True
    return Verdicts(not highlighted, not suggested, refused)
