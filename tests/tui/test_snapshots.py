"""Pictures of the screens at fixed sizes, on the frozen demo clock.

Regenerate with ``pytest tests/tui --snapshot-update`` and look at the SVGs in
``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from panelist.models import ApplicationSummary
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp

SnapCompare = Callable[..., bool]


async def settle(pilot: Pilot[None]) -> None:
    """Workers done, animations over, nothing blinking: a picture that never flickers."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def opening(application_id: int) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, PanelistApp)
        app.open_application(application_id)
        await settle(pilot)

    return run_before


@pytest.fixture
def app(workspace: Workspace) -> PanelistApp:
    return PanelistApp(workspace, ascii=False)


def test_applications_80x24(snap_compare: SnapCompare, app: PanelistApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_application_interviews_80x24(
    snap_compare: SnapCompare, app: PanelistApp, target: ApplicationSummary
) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=opening(target.id))


def test_applications_filtered_by_stage_80x24(snap_compare: SnapCompare, app: PanelistApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24), press=["s", "s", "s"], run_before=settle)


def test_application_interviews_ascii_16_colours_80x24(
    snap_compare: SnapCompare,
    workspace: Workspace,
    target: ApplicationSummary,
) -> None:
    """What an old terminal over SSH gets: ASCII icons and the terminal's own 16 colours."""
    app = PanelistApp(workspace, ascii=True, theme="ansi-dark")
    assert snap_compare(app, terminal_size=(80, 24), run_before=opening(target.id))


def test_applications_160x48(snap_compare: SnapCompare, app: PanelistApp) -> None:
    assert snap_compare(app, terminal_size=(160, 48), run_before=settle)


def test_application_interviews_160x48(
    snap_compare: SnapCompare, app: PanelistApp, target: ApplicationSummary
) -> None:
    assert snap_compare(app, terminal_size=(160, 48), run_before=opening(target.id))
