"""One question asked three ways: is this person busy at this time? (issue 11, item 2)

The calendar grid answers it by not highlighting the time as free, the slot
finder by not suggesting it, and the commit-time re-check by refusing to book
it. Each answer comes from the real path a recruiter takes: the view loaded
from the providers for the viewer's week, `suggest_slots` on that view, and
`SchedulingService.invite`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from panelist.scheduling import InterviewRequest, SchedulingService, SlotTaken
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
    service: SchedulingService, employee_id: int, request: InterviewRequest
) -> Verdicts:
    """The three answers for the one participant of `request`, at its time."""
    ws = service.ws
    start, end = request.start, request.end
    zone = ZoneInfo(ws.user.timezone)
    monday = start.astimezone(zone).date() - timedelta(days=start.astimezone(zone).weekday())
    week_start = datetime.combine(monday, time(), zone)
    view = await load_calendar_view(
        ws, [employee_id], [], week_start, week_start + timedelta(days=7)
    )
    highlighted = any(a <= start and end <= b for a, b in view.free_spans())
    found = suggest_slots(ws, view, end - start, window_start=start, window_end=end)
    suggested = start in [slot.start for slot in found.feasible]
    try:
        await service.invite(request)
        refused = False
    except SlotTaken:
        refused = True
    return Verdicts(not highlighted, not suggested, refused)
