"""Pictures of the dialogs and the help at both sizes the issue names, frozen demo clock.

Regenerate with ``pytest tests/tui/test_dialog_snapshots.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest
from test_snapshots import SnapCompare, app, opening, settle
from textual.pilot import Pilot

from panelist.models import ApplicationSummary, InterviewStatus
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.confirm import ConfirmScreen
from panelist_tui.widgets.interviews import InterviewCard, InterviewList

__all__ = ["app"]  # the fixture, shared with the screens' snapshots

SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare: SnapCompare, app: PanelistApp, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, press=["f1"], run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cancel_confirmation(
    snap_compare: SnapCompare,
    app: PanelistApp,
    target: ApplicationSummary,
    size: tuple[int, int],
) -> None:
    """x on a scheduled interview asks first; nothing is cancelled in the picture."""

    async def run_before(pilot: Pilot[None]) -> None:
        await opening(target.id)(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ApplicationScreen)
        listing = screen.query_one(InterviewList)
        cards = list(screen.query(InterviewCard))
        listing.index = next(
            i for i, c in enumerate(cards) if c.interview.status is InterviewStatus.SCHEDULED
        )
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
