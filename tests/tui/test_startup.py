"""Starting the app pays for Textual and core only: no provider, no SDK, no plugin."""

from __future__ import annotations

import subprocess
import sys

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


def test_importing_the_app_loads_no_settings_screen() -> None:
    """Settings are an Admin's occasional visit: loaded when opened, not at start-up."""
    lazy = ["panelist_tui.screens.settings", "panelist.services.configuration", "holidays"]
    assert imported("panelist_tui.app", lazy) == ""
