"""Which calendars could not be synced: their cached copy may be out of date ("stale")."""

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
    synced_at: str | None

    def describe(self) -> str:
        when = f"last synced {self.synced_at}" if self.synced_at else "never synced"
        return f"{self.owner}'s calendar may be out of date ({when}): {self.error}"


def stale_calendars(db: Database) -> list[StaleCalendar]:
    """Calendars whose last sync failed, named after the people and rooms they belong to."""
    rows = db.execute(
        """
        SELECT coalesce(e.name, 'room ' || r.name, s.calendar_id),
               s.provider, s.calendar_id, s.error, s.synced_at
          FROM cache_sync_state s
          LEFT JOIN employees e
            ON e.calendar_provider = s.provider AND e.calendar_id = s.calendar_id
          LEFT JOIN rooms r
            ON r.calendar_provider = s.provider AND r.calendar_id = s.calendar_id
         WHERE s.error IS NOT NULL
         ORDER BY 1
        """
    ).fetchall()
    return [StaleCalendar(*row) for row in rows]
