"""The pytest plugin panelist installs (entry point ``pytest11``).

It only registers a marker and two fixtures; it imports neither Textual nor any
plugin, because it loads in every pytest run of every project that has
panelist installed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from panelist.clock import FrozenClock
    from panelist.providers import ProviderContext

# Failures inside the suites should explain themselves like any test's asserts.
pytest.register_assert_rewrite("panelist.testing.conformance")

# Monday 23 March 2026, 09:00 in Amsterdam: the week the conformance suites use,
# which holds Europe's change to summer time (Sunday 29 March).
CONFORMANCE_NOW = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance: a provider conformance test from panelist.testing"
    )


@pytest.fixture
def panelist_clock() -> FrozenClock:
    """A clock frozen in the conformance week (see `CONFORMANCE_NOW`)."""
    from panelist.clock import FrozenClock

    return FrozenClock(CONFORMANCE_NOW)


@pytest.fixture
def panelist_provider_context(panelist_clock: FrozenClock) -> ProviderContext:
    """A `ProviderContext` without a database or settings, on `panelist_clock`."""
    from panelist.providers import ProviderContext

    return ProviderContext(database=None, clock=panelist_clock)
