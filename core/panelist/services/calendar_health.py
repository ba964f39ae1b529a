"""Which calendars are stale: their last sync failed or skipped items (panelist.calendars)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class StaleCalendar:
    owner: str
    """Whose calendar: an employee's name or "room <name>"."""
    provider: str
    calendar_id: str
    error: str
    """Why it is stale, in one line."""
    synced_at: str | None
    """The last success (ISO, UTC), None when it never synced."""
    stale_since: str | None = None

    def describe(self) -> str:
        when = f"last synced {self.synced_at}" if self.synced_at else "never synced"
        return f"{self.owner}'s calendar may be out of date ({when}): {self.error}"


def stale_calendars(db: Database) -> list[StaleCalendar]:
    """Calendars whose last sync failed or skipped items, named after their owners."""
    rows = db.execute(
        """
        SELECT coalesce(e.name, 'room ' || r.name, s.calendar_id),
               s.provider, s.calendar_id, s.error, s.synced_at, s.stale_since
          FROM calendar_sync s
          LEFT JOIN employees e
            ON e.calendar_provider = s.provider AND e.calendar_id = s.calendar_id
          LEFT JOIN rooms r
            ON r.calendar_provider = s.provider AND r.calendar_id = s.calendar_id
         WHERE s.error IS NOT NULL
         ORDER BY 1
        """
    ).fetchall()
    return [StaleCalendar(*row) for row in rows]
