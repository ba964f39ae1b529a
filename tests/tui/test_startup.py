"""Starting the app pays for Textual and core only: no provider, no SDK, no plugin."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys

from panelist.workspace import Workspace

CHECK = """
import sys
import {module}
loaded = set(sys.modules)
unwanted = [m for m in loaded if m in {unwanted!r} or m.split('.')[0] in {unwanted!r}]
print(','.join(sorted(unwanted)))
"""

PROVIDER_PACKAGES = [
    "panelist_local",
    "panelist_jitsi",
    "panelist_example",
    "googleapiclient",
    "msgraph",
    "zoomus",
    "caldav",
    "httpx",
    "requests",
    "aiohttp",
]


def imported(module: str, unwanted: list[str]) -> str:
    code = CHECK.format(module=module, unwanted=unwanted)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def test_importing_the_app_loads_no_provider() -> None:
    assert imported("panelist_tui.app", PROVIDER_PACKAGES) == ""


def test_the_command_line_loads_textual_only_when_the_app_opens() -> None:
    assert imported("panelist_tui.cli", ["textual", "panelist_tui.app", *PROVIDER_PACKAGES]) == ""


def test_the_composer_and_the_settings_screens_load_only_when_opened() -> None:
    """Issue 17: the first frame pays for none of them (bench/tui.py)."""
    lazy = [
        "panelist_tui.screens.composer",
        "panelist_tui.screens.link_form",
        "panelist.scheduling.links",
        "panelist_tui.screens.templates",
        "panelist.services.templates",
        "panelist.mail.templates",
        "panelist_tui.screens.settings",
        "panelist.services.configuration",
        "holidays",
    ]
    assert imported("panelist_tui.app", lazy) == ""


GC_CHECK = """
import gc, sys
normal = gc.get_threshold()
import panelist_tui
raised = gc.get_threshold()
panelist_tui.startup_done()
print(normal[0], raised[0], gc.get_threshold() == normal, gc.get_freeze_count() > 0)
"""


def test_collections_wait_for_the_first_frame_then_resume() -> None:
    """Importing the app raises the collector's threshold (start-up's objects live as long
    as the app); after the first frame they are frozen and the thresholds are normal."""
    result = subprocess.run(
        [sys.executable, "-c", GC_CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    normal, raised, restored, frozen = result.stdout.split()
    assert int(raised) > 100 * int(normal)
    assert (restored, frozen) == ("True", "True")


def test_the_app_calls_startup_done_after_its_first_frame(workspace: Workspace) -> None:
    from panelist_tui.app import PanelistApp

    gc.set_threshold(1_000_000, 10, 10)  # as importing the package leaves it

    async def run() -> tuple[int, ...]:
        app = PanelistApp(workspace)
        async with app.run_test() as pilot:
            await pilot.pause()
            return gc.get_threshold()

    assert asyncio.run(run())[0] < 1_000_000
