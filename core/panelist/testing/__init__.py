"""Panelist's testing kit: provider conformance suites and a pytest plugin.

A provider author subclasses a suite and overrides one fixture::

    import pytest
    from panelist.providers import ProviderContext
    from panelist.testing import CalendarProviderConformance, CalendarUnderTest

    class TestMyCalendar(CalendarProviderConformance):
        @pytest.fixture
        def calendar_under_test(self, panelist_provider_context):
            provider = MyCalendarProvider(panelist_provider_context)
            return CalendarUnderTest(provider, calendar_id="conformance@example.org")

The names are loaded on first use, so the pytest plugin that lives in this
package (``panelist.testing.pytest_plugin``) costs nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from panelist.testing.conformance import (
        CalendarProviderConformance,
        CalendarUnderTest,
        ConferenceProviderConformance,
        ConferenceUnderTest,
    )

__all__ = [
    "CalendarProviderConformance",
    "CalendarUnderTest",
    "ConferenceProviderConformance",
    "ConferenceUnderTest",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from panelist.testing import conformance

        return getattr(conformance, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
