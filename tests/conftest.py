"""Fixtures shared by every test folder: a real SQLite file, the real plugin registry, a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.plugins import PluginRegistry, build_registry
from panelist.storage.database import open_database

# Monday 23 November 2026, 09:00 UTC: every test that needs "now" starts here.
FROZEN_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    return build_registry()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_NOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "panelist.db"


@pytest.fixture
def db(db_path: Path, registry: PluginRegistry) -> Iterator[Database]:
    database = open_database(db_path, registry.migrations)
    yield database
    database.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
