"""Fixtures: a real SQLite file with Sam (calendar "sam") and room Amstel ("amstel") on the
scripted provider, a workspace on it as Sam on the frozen clock, and the scripts reset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import calendars_scripted
import pytest
from calendars_helpers import open_workspace
from calendars_scripted import ScriptedCalendar

from panelist.clock import FrozenClock
from panelist.models import WorkingHours
from panelist.plugins import PluginRegistry, build_registry
from panelist.storage.database import open_database
from panelist.workspace import Workspace


@pytest.fixture(scope="session")
def scripted_registry() -> PluginRegistry:
    return build_registry(extra_plugins=[("calendars-test", calendars_scripted.plugin())])


@pytest.fixture(autouse=True)
def _fresh_scripts() -> Iterator[None]:
    ScriptedCalendar.reset()
    yield
    ScriptedCalendar.reset()


@pytest.fixture
def company_path(tmp_path: Path, scripted_registry: PluginRegistry) -> Path:
    path = tmp_path / "panelist.db"
    db = open_database(path, scripted_registry.migrations)
    db["employees"].insert(
        {
            "email": "sam@example.com",
            "name": "Sam Lee",
            "timezone": "Europe/Amsterdam",
            "working_hours": WorkingHours.office().to_json(),
            "calendar_provider": "scripted",
            "calendar_id": "sam",
        }
    )
    db["rooms"].insert(
        {"name": "Amstel", "capacity": 6, "calendar_provider": "scripted", "calendar_id": "amstel"}
    )
    db.close()
    return path


@pytest.fixture
def ws(
    company_path: Path, scripted_registry: PluginRegistry, clock: FrozenClock
) -> Iterator[Workspace]:
    workspace = open_workspace(company_path, scripted_registry, clock)
    yield workspace
    workspace.close()
