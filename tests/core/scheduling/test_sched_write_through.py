"""Our own bookings show in the calendar cache at once, before any sync (write-through)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import scheduling_helpers as h

from panelist.calendars import CalendarCache, CalendarKey
from panelist.providers.events import CalendarEvent
from panelist.scheduling import SchedulingService

pytestmark = pytest.mark.anyio

WEEK = (h.NOW, h.NOW + timedelta(days=7))


def cached(service: SchedulingService, calendar_id: str) -> list[CalendarEvent]:
    return CalendarCache(service.ws.db).events(CalendarKey("local", calendar_id), *WEEK)


async def test_an_invite_a_move_and_a_cancel_show_in_the_cache_at_once(
    service: SchedulingService,
) -> None:
    record = await service.invite(h.request("sam", "ana", room="amstel"))
    rows = {row["calendar_id"]: row for row in h.local_rows(service.ws.db)}
    for calendar_id in ("sam@northwind.example", "ana@northwind.example", "room:amstel"):
        (event,) = cached(service, calendar_id)
        assert (event.uid, event.start) == (rows[calendar_id]["uid"], h.TUESDAY_10)
    assert service.ws.db.execute("SELECT count(*) FROM calendar_sync").fetchone() == (0,)

    later = h.TUESDAY_10 + timedelta(days=1)
    await service.reschedule(record.id, later, later + timedelta(hours=1))
    assert [e.start for e in cached(service, "sam@northwind.example")] == [later]

    await service.cancel(record.id)
    assert cached(service, "sam@northwind.example") == []
    assert cached(service, "room:amstel") == []
