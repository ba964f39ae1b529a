"""Helpers of the calendar cache tests: the frozen now and a workspace on its own connection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from panelist.clock import FrozenClock
from panelist.plugins import PluginRegistry
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # FROZEN_NOW of tests/conftest.py


def open_workspace(path: Path, registry: PluginRegistry, clock: FrozenClock) -> Workspace:
    """A workspace as Sam on its own connection to the file."""
    db = open_database(path, registry.migrations)
    sam = find_employee_by_email(db, "sam@example.com")
    assert sam is not None
    return Workspace(db, path, registry, clock, sam)
