"""The installed command line, run as a person would: in a subprocess, on the real clock
(tests/conftest.py marks every module that uses this as a subprocess test)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Collection, Mapping


def run_panelist(
    *args: str,
    env: Mapping[str, str] | None = None,
    unset: Collection[str] = (),
    timeout: float = 120,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`panelist ARGS` in this environment, less `unset`, plus `env`, reading `stdin` (none
    by default); never raises on exit."""
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "-m", "panelist", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        check=False,
        env=environment | dict(env or {}),
    )
