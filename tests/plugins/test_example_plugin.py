"""A third-party provider, installed as its own package, passes the conformance suite.

It is loaded the way Panelist loads every plugin: through its entry point.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from panelist.plugins import PluginRegistry, build_registry
from panelist.providers import CalendarProvider, ProviderContext
from panelist.testing import CalendarProviderConformance, CalendarUnderTest


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return build_registry()


def test_the_example_plugin_loads_through_its_entry_point(registry: PluginRegistry) -> None:
    status = next(p for p in registry.plugins if p.name == "example")
    assert (status.distribution, status.version) == ("panelist-example-plugin", "0.3.0")
    assert (status.providers, status.error) == (["example"], None)
    assert registry.calendar_providers["example"].display_name == "Example Calendar"


def test_the_built_in_plugins_load_beside_it(registry: PluginRegistry) -> None:
    loaded = {p.name: (p.providers, p.error) for p in registry.plugins}
    assert loaded["local"] == (["local"], None)
    assert loaded["jitsi"] == (["jitsi"], None)
    assert "local" in {m.scope for m in registry.migrations}


def test_the_pytest_plugin_imports_nothing_heavy() -> None:
    # It loads in every pytest run of every project that has panelist installed.
    code = (
        "import sys, panelist.testing.pytest_plugin, panelist.testing\n"
        "heavy = [m for m in ('textual', 'panelist_tui', 'panelist_local', 'panelist_jitsi',"
        " 'panelist_example', 'icalendar', 'sqlite_utils') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


class TestExampleCalendarConformance(CalendarProviderConformance):
    @pytest.fixture
    def calendar_under_test(
        self, registry: PluginRegistry, panelist_provider_context: ProviderContext
    ) -> CalendarUnderTest:
        provider_class: type[CalendarProvider] = registry.calendar_provider("example")
        provider = provider_class(panelist_provider_context)
        return CalendarUnderTest(
            provider,
            calendar_id="example-calendar",
            respond=provider.respond,  # type: ignore[attr-defined]
        )
