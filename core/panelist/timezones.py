"""IANA zones by name, looked up once, with errors fit to show a person."""

from __future__ import annotations

import functools
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
