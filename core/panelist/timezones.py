"""IANA zones by name, looked up once, with errors fit to show a person."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from panelist.errors import ValidationError

# Files in the zone database that name no place: "localtime" is whatever this host's
# clock is set to, so the same data would mean another time on another machine.
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def zone_or_none(name: str) -> ZoneInfo | None:
    if name in _NOT_PLACES:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def get_zone(name: str, what: str = "timezone") -> ZoneInfo:
    """The IANA zone called `name`; `ValidationError` naming `what` when there is none."""
    found = zone_or_none(name) if name else None
    if found is None:
        raise ValidationError(f"{what}: unknown timezone {name!r}", field="timezone")
    return found


def clocks_agree(first: str, second: str, at: datetime) -> bool:
    """Whether zones `first` and `second` show the same wall time at the instant `at`: when
    they do not, a time shown in one must name its zone beside the other's (an unknown
    zone counts as UTC)."""
    one, other = zone_or_none(first) or UTC, zone_or_none(second) or UTC
    return at.astimezone(one).replace(tzinfo=None) == at.astimezone(other).replace(tzinfo=None)
