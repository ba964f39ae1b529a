"""Fixtures shared by every test folder: a real SQLite file, the real plugin registry, a frozen clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.demo import build_demo_company
from panelist.plugins import PluginRegistry, build_registry
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace

# Monday 23 November 2026, 09:00 UTC: every test that needs "now" starts here.
FROZEN_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEMO_RECRUITER = "rosa.jansen@example.com"


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


@pytest.fixture(scope="session")
def demo_db_file(registry: PluginRegistry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company at `FROZEN_NOW`, built once per session; copy it, never write to it."""
    path = tmp_path_factory.mktemp("demo") / "panelist.db"
    database = open_database(path, registry.migrations)
    build_demo_company(database, registry, FrozenClock(FROZEN_NOW))
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


@pytest.fixture
def demo_workspace(
    demo_db_file: Path, registry: PluginRegistry, tmp_path: Path
) -> Iterator[Workspace]:
    """A private copy of the demo, opened as its recruiter, on a frozen clock."""
    path = tmp_path / "panelist.db"
    shutil.copyfile(demo_db_file, path)
    database = open_database(path, registry.migrations)
    user = find_employee_by_email(database, DEMO_RECRUITER)
    assert user is not None, "the demo's recruiter is missing"
    ws = Workspace(database, path, registry, FrozenClock(FROZEN_NOW), user)
    yield ws
    ws.close()
