"""Availability: busy timelines, privacy, and the ranked slot finder.

Pure functions over data handed in (the cache or a provider), shared by the
TUI, the scheduling service and the candidate's web page. Nothing here reads
the clock: callers pass `now` from the injected `Clock`.
"""

from panelist.availability.finder import FinderResult, Slot, find_slots
from panelist.availability.holidays import public_holidays
from panelist.availability.intervals import IntervalSet
from panelist.availability.localtime import resolve_local
from panelist.availability.privacy import VisibleEvent, visible_event
from panelist.availability.recurrence import RecurrenceCache
from panelist.availability.request import HoursRule, RankWeights, SlotRequest
from panelist.availability.timeline import (
    Absence,
    Block,
    BlockKind,
    Holiday,
    Timeline,
    person_timeline,
    room_timeline,
)
from panelist.availability.working_hours import working_intervals

__all__ = [
    "Absence",
    "Block",
    "BlockKind",
    "FinderResult",
    "Holiday",
    "HoursRule",
    "IntervalSet",
    "RankWeights",
    "RecurrenceCache",
    "Slot",
    "SlotRequest",
    "Timeline",
    "VisibleEvent",
    "find_slots",
    "person_timeline",
    "public_holidays",
    "resolve_local",
    "room_timeline",
    "visible_event",
    "working_intervals",
]
