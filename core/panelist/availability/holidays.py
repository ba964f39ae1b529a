"""Public holidays of the company's country and subdivision, from the `holidays` package.

Public holidays are not blocked in anybody's calendar, so availability adds
them: busy unless the recruiter opens the day. The package is imported on first
use only (~0.4 s for the first country).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from panelist.errors import ValidationError

_ENGLISH = "en_US"


def public_holidays(
    country: str, subdivision: str | None, first: date, last: date
) -> dict[date, str]:
    """The holidays from `first` to `last` (both included), named in English where possible.

    Raises `ValidationError` for a country or subdivision the package does not know.
    """
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holidays_of_year(country.upper(), subdivision or None, year):
            if first <= day <= last:
                found[day] = name
    return found


@functools.lru_cache(maxsize=64)
def _holidays_of_year(
    country: str, subdivision: str | None, year: int
) -> tuple[tuple[date, str], ...]:
    import holidays  # lazy: importing it and building the first country costs ~0.4 s

    _check_known(holidays, country, subdivision)
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    if _ENGLISH in calendar.supported_languages:
        calendar = holidays.country_holidays(
            country, subdiv=subdivision, years=year, language=_ENGLISH
        )
    return tuple(sorted((day, str(name)) for day, name in calendar.items()))


def _check_known(package: Any, country: str, subdivision: str | None) -> None:
    supported: dict[str, list[str]] = package.list_supported_countries()
    if country not in supported:
        raise ValidationError(
            f"public holidays: unknown country {country!r} (use a code such as 'NL' or 'US')",
            field="holiday_country",
        )
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country][:12]) or "none"
        raise ValidationError(
            f"public holidays: {country} has no subdivision {subdivision!r} (known: {known})",
            field="holiday_subdivision",
        )
