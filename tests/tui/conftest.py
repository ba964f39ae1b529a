"""The demo company on a frozen clock, opened as its recruiter Rosa Jansen.

The demo is built once per test session and copied for each test, so a test may
change its database (as another terminal session would) without touching others.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from panelist.clock import FrozenClock
from panelist.demo import build_demo_company
from panelist.models import ApplicationSummary, InterviewStatus
from panelist.plugins import PluginRegistry, build_registry
from panelist.services.applications import list_applications
from panelist.services.directory import find_employee_by_email
from panelist.services.interviews import interviews_for_application
from panelist.storage.database import open_database
from panelist.workspace import Workspace

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""A Monday morning; fixed, so every snapshot shows the same interviews."""
RECRUITER = "rosa.jansen@example.com"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    return build_registry()


@pytest.fixture(scope="session")
def demo_db_file(registry: PluginRegistry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "panelist.db"
    db = open_database(path, registry.migrations)
    build_demo_company(db, registry, FrozenClock(NOW))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def workspace(demo_db_file: Path, registry: PluginRegistry, tmp_path: Path) -> Iterator[Workspace]:
    path = tmp_path / "panelist.db"
    shutil.copyfile(demo_db_file, path)
    db = open_database(path, registry.migrations)
    user = find_employee_by_email(db, RECRUITER)
    assert user is not None, "the demo's recruiter is missing"
    ws = Workspace(db, path, registry, FrozenClock(NOW), user)
    yield ws
    ws.close()


def _first_with(
    ws: Workspace, wanted: set[InterviewStatus], warned: bool = False
) -> ApplicationSummary:
    """The first listed application with interviews in `wanted` statuses (and, if `warned`,
    a participant whose calendar is not integrated)."""
    for application in list_applications(ws):
        if not application.interview_count:
            continue
        interviews = interviews_for_application(ws, application.id)
        if not wanted <= {i.status for i in interviews}:
            continue
        if warned and all(p.calendar_integrated for i in interviews for p in i.participants):
            continue
        return application
    raise AssertionError(f"the demo has no application with interviews {sorted(wanted)}")


@pytest.fixture
def target(workspace: Workspace) -> ApplicationSummary:
    """The first listed application with an interview to come, one that took place, and a
    participant whose calendar is not integrated: the richest Interviews tab."""
    return _first_with(workspace, {InterviewStatus.SCHEDULED, InterviewStatus.CLOSED}, True)


@pytest.fixture
def cancelled_target(workspace: Workspace) -> ApplicationSummary:
    """The first listed application with a cancelled interview."""
    return _first_with(workspace, {InterviewStatus.CANCELLED})
