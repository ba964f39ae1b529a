"""A colleague's private event that cannot be expanded (issue 10, item 5), on the local calendar.

Sam's private series repeats hourly since 2012: too many steps to walk. Only that
event is unknown: the calendar view reports it by uid and shows the rest of Sam's
week, its known times (a moved occurrence) count as busy, an invite at another
time goes ahead, and its title reaches no text anyone else sees.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.providers import CalendarEvent, EventDraft
from panelist.scheduling import SchedulingService, SlotTaken
from panelist.services.calendar_view import load_calendar_view
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio
SECRET = "Zorblax"  # in the title, notes and place of Sam's private series
SINCE_2012 = datetime(2012, 1, 2, 9, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)
TUESDAY = (h.TUESDAY_10 - timedelta(hours=9), h.TUESDAY_10 + timedelta(hours=15))


def private(start: datetime, end: datetime, **values: object) -> EventDraft:
    return EventDraft(
        f"{SECRET} divorce lawyer",
        start,
        end,
        description=f"{SECRET} notes",
        location=f"{SECRET} street 1",
        private=True,
        **values,  # type: ignore[arg-type]
    )


async def sams_unreadable_series(ws: Workspace) -> CalendarEvent:
    """Hourly since 2012, with this Tuesday's 10:00 session moved to last an hour."""
    local = ws.calendar_provider("local")
    assert hasattr(local, "override_occurrence")
    sam = h.calendar_id("sam")
    monday = h.TUESDAY_10 - timedelta(days=1)
    series = await local.create_event(
        sam, private(monday, monday + HALF_HOUR, rrule="FREQ=HOURLY"), "secret"
    )
    local.override_occurrence(
        sam, series.uid, h.TUESDAY_10, private(h.TUESDAY_10, h.TUESDAY_10 + timedelta(hours=1))
    )
    # Sam's calendar app then moves the series' start back to 2012 (its overrides stay).
    hourly = private(SINCE_2012, SINCE_2012 + HALF_HOUR, rrule="FREQ=HOURLY")
    moved = await local.update_event(sam, series.uid, hourly)
    lunch = h.TUESDAY_10 + timedelta(hours=3)
    await local.create_event(
        sam, EventDraft("Team lunch", lunch, lunch + timedelta(hours=1), private=False), "lunch"
    )
    return moved


def texts_seen_by_others(ws: Workspace) -> str:
    """Every notice and outbox error Panelist stored, for anyone."""
    notices = ws.db.execute("SELECT message FROM scheduling_notices").fetchall()
    errors = ws.db.execute("SELECT last_error FROM outbox WHERE last_error IS NOT NULL").fetchall()
    return repr([*notices, *errors])


async def test_the_view_reports_the_event_by_uid_and_shows_the_rest(
    ws: Workspace, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    series = await sams_unreadable_series(ws)
    eve = h.workspace(ws.db_path, ws.registry, clock, as_key="eve")  # no rights at all
    try:
        with caplog.at_level(logging.DEBUG):
            view = await load_calendar_view(eve, [h.employee_id("sam")], [], *TUESDAY)
    finally:
        eve.close()
    assert view.problems == (
        f"1 event of Sam Lee could not be read (uid {series.uid}): repeats too often since"
        " 2012-01-02 (about 130,575 repetitions before 2026-11-25; at most 100,000 are expanded)",
    )
    (sam,) = view.people
    assert (sam.integrated, sam.note) == (True, "")
    shown = sorted((e.start, e.title) for e in sam.events)
    assert shown == [
        (h.TUESDAY_10, "Busy"),  # the moved session: its times are known
        (h.TUESDAY_10 + timedelta(hours=3), "Team lunch"),
    ]
    assert [(b.start_at, b.end_at) for b in sam.timeline.blocks] == [
        (h.TUESDAY_10, h.TUESDAY_10 + timedelta(hours=1)),  # busy for the slot finder too
        (h.TUESDAY_10 + timedelta(hours=3), h.TUESDAY_10 + timedelta(hours=4)),
    ]
    assert SECRET not in repr(view)
    assert SECRET not in caplog.text


async def test_an_invite_at_another_time_goes_ahead_and_the_known_time_is_busy(
    service: SchedulingService, caplog: pytest.LogCaptureFixture
) -> None:
    await sams_unreadable_series(service.ws)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SlotTaken) as caught:
            await service.invite(h.request("sam", "ana"))
        assert str(caught.value) == "not free at this time: Sam Lee is busy 10:00–11:00"
        later = h.TUESDAY_10 + timedelta(hours=5)  # 15:00 in Amsterdam
        record = await service.invite(h.request("sam", "ana", start=later))
    assert record.status.value == "scheduled"
    assert SECRET not in caplog.text + texts_seen_by_others(service.ws)
