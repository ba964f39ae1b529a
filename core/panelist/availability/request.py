"""What the slot finder is asked: who, which rooms, how long, when, and by which rules."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from panelist.availability.timeline import Timeline


class HoursRule(enum.StrEnum):
    """Whether required participants' working hours bound the search or only rank it."""

    REQUIRED = "required"
    PREFERRED = "preferred"


@dataclass(frozen=True)
class RankWeights:
    """Penalty points; a slot's score is their sum and the lowest score ranks first."""

    per_day_later: float = 1.0
    """Per day after the earliest possible start: earlier is better."""
    soft_conflict: float = 8.0
    """Per participant with a soft conflict (tentative event, busy optional participant)."""
    outside_hours: float = 6.0
    """Per participant outside their working hours (optional ones, or all with PREFERRED)."""
    other_interview: float = 2.0
    """Per interview a participant already has that day: spreads the load."""
    candidate_evening: float = 3.0
    """Candidate's local time outside 09:00–18:00 but inside 07:00–21:00."""
    candidate_night: float = 12.0
    """Candidate's local time outside 07:00–21:00."""


@dataclass(frozen=True)
class SlotRequest:
    """A search for interview times.

    A slot [start, start + duration) lies inside the window, starts on the `step`
    grid of the organiser's local clock, at least `min_notice` from now. Every
    required participant is free from `buffer_before` before it until
    `buffer_after` after it, and (with `HoursRule.REQUIRED`) works throughout
    it. When `rooms` are given, at least one with `seats` seats is free for the
    slot itself (buffers are the people's, not the room's; a tentative booking
    holds a room). Optional participants never exclude a slot, they rank it.
    Timelines must cover the window widened by the buffers (`needed_span`).
    """

    required: tuple[Timeline, ...]
    duration: timedelta
    window_start: datetime
    window_end: datetime
    optional: tuple[Timeline, ...] = ()
    rooms: tuple[Timeline, ...] = ()
    seats: int | None = None
    """Seats a room needs; default: every participant plus the candidate."""
    step: timedelta = timedelta(minutes=15)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    max_interviews_per_day: int | None = None
    """Per required participant and local day, counting the one being planned."""
    organiser_zone: str = "UTC"
    candidate_zone: str | None = None
    video_host: str | None = None
    """The key of the (required) participant hosting the video meeting: their hosted meetings
    block, even ones they marked free or declined."""
    open_holidays: frozenset[date] = frozenset()
    """Public holidays the recruiter opened for interviews."""
    working_hours: HoursRule = HoursRule.REQUIRED
    top: int = 10
    weights: RankWeights = field(default_factory=RankWeights)

    @property
    def attendees(self) -> int:
        return self.seats or len(self.required) + len(self.optional) + 1

    def needed_span(self) -> tuple[datetime, datetime]:
        """The span the timelines must cover: the window widened by the buffers."""
        return self.window_start - self.buffer_before, self.window_end + self.buffer_after

    @property
    def participants(self) -> tuple[Timeline, ...]:
        return self.required + self.optional
