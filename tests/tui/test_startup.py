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
