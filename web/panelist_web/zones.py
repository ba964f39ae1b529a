"""The time zones a candidate may pick from, by region, as the page's <select> lists them."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime

from panelist.timezones import zone_or_none

REGIONS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@functools.cache
def zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(region, zones) pairs: every place zone of the IANA database under the regions above
    (no "US/Eastern"-style aliases, no "Etc/GMT+5"), plus UTC."""
    names = sorted(
        name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in REGIONS
    )
    groups = [
        (region, tuple(name for name in names if name.startswith(region + "/")))
        for region in REGIONS
    ]
    return (("UTC", ("UTC",)), *groups)


def known_zone(name: str | None) -> str | None:
    """`name` when it is a zone the page can show (a place, or UTC), else None."""
    if not name or len(name) > 64 or zone_or_none(name) is None:
        return None
    return name


def zone_label(name: str, at: datetime) -> str:
    """ "Europe/Amsterdam (CET, UTC+01:00)": how the page names the zone it shows times in."""
    zone = zone_or_none(name)
    if zone is None:
        return name
    local = at.astimezone(zone)
    offset = local.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    abbreviation = local.tzname() or ""
    if not abbreviation or abbreviation.startswith(("+", "-")) or abbreviation == "UTC":
        return name if name == "UTC" else f"{name} ({utc})"
    return f"{name} ({abbreviation}, {utc})"
