"""Fixtures shared by every test folder: a real SQLite file, the real plugin registry, a frozen clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlite_utils import Database

from panelist.clock import Clock, FrozenClock, SystemClock
from panelist.demo import build_demo_company
from panelist.plugins import PluginRegistry, build_registry
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace

# Monday 23 November 2026, 09:00 UTC: every test that needs "now" starts here.
FROZEN_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEMO_RECRUITER = "rosa.jansen@example.com"


# Modules that start programs: a test module using any of them is a subprocess test.
STARTS_PROGRAMS = frozenset({"subprocess", "cli_helpers", "terminal_helpers", "browser_helpers"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test module that can start a program is a subprocess test: `make test` runs it again
    under faketime (see the Makefile), so a test that ties it to today's date fails there."""
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and _starts_programs(module):
            item.add_marker(pytest.mark.subprocess)


def _starts_programs(module: object) -> bool:
    return any(
        getattr(value, "__name__", None) in STARTS_PROGRAMS
        or getattr(value, "__module__", None) in STARTS_PROGRAMS
        for value in vars(module).values()
    )


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


def _build_demo(path: Path, registry: PluginRegistry, now: datetime) -> Path:
    database = open_database(path, registry.migrations)
    build_demo_company(database, registry, FrozenClock(now))
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


def _open_copy(
    built: Path, registry: PluginRegistry, tmp_path: Path, clock: Clock
) -> Iterator[Workspace]:
    """A private copy of a built demo, opened as its recruiter on `clock`."""
    path = tmp_path / "panelist.db"
    shutil.copyfile(built, path)
    database = open_database(path, registry.migrations)
    user = find_employee_by_email(database, DEMO_RECRUITER)
    assert user is not None, "the demo's recruiter is missing"
    ws = Workspace(database, path, registry, clock, user)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def demo_db_file(registry: PluginRegistry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company at `FROZEN_NOW`, built once per session; copy it, never write to it."""
    return _build_demo(tmp_path_factory.mktemp("demo") / "panelist.db", registry, FROZEN_NOW)


@pytest.fixture
def demo_workspace(
    demo_db_file: Path, registry: PluginRegistry, tmp_path: Path
) -> Iterator[Workspace]:
    """A private copy of the demo, opened as its recruiter, on a frozen clock."""
    yield from _open_copy(demo_db_file, registry, tmp_path, FrozenClock(FROZEN_NOW))


@pytest.fixture(scope="session")
def live_demo_db_file(registry: PluginRegistry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company built at the real now, for tests whose subprocess reads the real clock:
    data frozen at `FROZEN_NOW` ages under it (interviews to come have ended)."""
    now = SystemClock().now()
    return _build_demo(tmp_path_factory.mktemp("live-demo") / "panelist.db", registry, now)


@pytest.fixture
def live_demo_workspace(
    live_demo_db_file: Path, registry: PluginRegistry, tmp_path: Path
) -> Iterator[Workspace]:
    """A private copy of the live demo, as its recruiter, on the real clock."""
    yield from _open_copy(live_demo_db_file, registry, tmp_path, SystemClock())


class MemoryKeyring(KeyringBackend):
    """A keyring in memory: tests keep secrets without touching the user's."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.kept.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process's keyring swapped for `MemoryKeyring`; `.kept` holds what was kept."""
    previous = keyring.get_keyring()
    kept = MemoryKeyring()
    keyring.set_keyring(kept)
    yield kept
    keyring.set_keyring(previous)
