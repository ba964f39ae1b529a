"""A real uvicorn on 127.0.0.1 serving the candidate page, Debian's chromium driven by
Playwright (never a browser Playwright downloads), and screenshots compared as snapshots.

A test module importing this starts programs (chromium, Playwright's driver), so
tests/conftest.py marks it `subprocess`: `make test` runs it again with the clock moved.

Snapshots live in tests/web/__snapshots__/<module>/<name>.png; `pytest --snapshot-update`
writes them anew (look at the pictures before committing them).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from panelist.scheduling.links import CandidateLinks
from panelist.workspace import Workspace
from panelist_web.serve import server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--font-render-hinting=none",
]
SNAPSHOTS = Path(__file__).parent / "__snapshots__"
PIXEL_TOLERANCE = 48
"""How far (0-255, any channel) a pixel may differ before it counts as changed: anti-aliasing."""
CHANGED_SHARE = 0.004
"""The share of changed pixels a screenshot may have and still match its snapshot."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def live_server(ws: Workspace, links: CandidateLinks) -> Iterator[str]:
    """`panelist serve`'s uvicorn, on a free loopback port in a thread; its base URL."""
    running = server(ws, "127.0.0.1", free_port(), links=links)
    thread = threading.Thread(target=running.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{running.config.port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


def need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium")


def compare_snapshot(request: pytest.FixtureRequest, png: bytes, name: str) -> None:
    """`png` against tests/web/__snapshots__/<module>/<name>.png: same size, and at most
    `CHANGED_SHARE` of the pixels changed by more than `PIXEL_TOLERANCE`."""
    module = Path(str(request.node.fspath)).stem
    path = SNAPSHOTS / module / f"{name}.png"
    failed = path.with_name(f"{name}.failed.png")
    update = bool(request.config.getoption("--snapshot-update", default=False))
    if update or not path.exists():
        if not update:
            pytest.fail(f"no snapshot {path}: run pytest --snapshot-update and look at it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        failed.unlink(missing_ok=True)
        return
    import io

    with Image.open(path) as kept_file, Image.open(io.BytesIO(png)) as taken_file:
        kept, taken = kept_file.convert("RGB"), taken_file.convert("RGB")
    if kept.size != taken.size:
        failed.write_bytes(png)
        pytest.fail(f"{name}: {taken.size} instead of {kept.size}; see {failed}")
    difference = ImageChops.difference(kept, taken).convert("L")
    changed = sum(difference.point(lambda v: 255 if v > PIXEL_TOLERANCE else 0).histogram()[255:])
    share = changed / (kept.size[0] * kept.size[1])
    if share > CHANGED_SHARE:
        failed.write_bytes(png)
        pytest.fail(f"{name}: {share:.2%} of the pixels changed; see {failed}")
    failed.unlink(missing_ok=True)
