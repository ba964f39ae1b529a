"""Values and messages passed between the TUI's screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ChosenTime:
    """What `FindTimeScreen` dismisses with: the span picked and the room (None: no room)."""

    start: datetime
    end: datetime
    room_id: int | None = None
