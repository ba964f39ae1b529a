"""How instants are stored in the company's tables: ISO text in UTC, whole seconds.

One format everywhere, so SQL can compare instants as text (``end_utc > :now``).
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(instant: datetime) -> str:
    """The storage format of instants: UTC, whole seconds (as the demo writes them)."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat()


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)
