"""Turning core values into the short strings the screens show. No decisions here."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.cells import cell_len

from panelist_tui.glyphs import Glyphs


def _zone(name: str) -> tuple[tzinfo, str]:
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return UTC, "UTC"


def time_span(
    start: datetime,
    end: datetime,
    zone_name: str,
    now: datetime,
    glyphs: Glyphs,
    *,
    named: bool = True,
) -> str:
    """ "Tue 01 Dec 10:00–11:00 (Europe/Amsterdam)": local to `zone_name`, zone in brackets
    (left out with `named=False`, where the zone is named once for many spans).

    The year is added when the span is not in the year of `now`; a span that ends
    on another day names both days.
    """
    zone, label = _zone(zone_name)
    suffix = f" ({label})" if named else ""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day_format = "%a %d %b" if local_start.year == now.astimezone(zone).year else "%a %d %b %Y"
    first_day = local_start.strftime(day_format)
    if local_end.date() == local_start.date():
        return f"{first_day} {local_start:%H:%M}{glyphs.dash}{local_end:%H:%M}{suffix}"
    last_day = local_end.strftime(day_format)
    return f"{first_day} {local_start:%H:%M} {glyphs.dash} {last_day} {local_end:%H:%M}{suffix}"


def applied_on(raw: str) -> str:
    """Dates are stored as YYYY-MM-DD; anything else is shown as it is."""
    try:
        return date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        return raw


def fit(text: str, width: int, glyphs: Glyphs) -> str:
    """`text` cut to `width` cells, the cut marked with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    mark = glyphs.ellipsis
    if width <= cell_len(mark):
        return mark[:width]
    room = width - cell_len(mark)
    out = ""
    for char in text:
        if cell_len(out + char) > room:
            break
        out += char
    return out.rstrip() + mark
