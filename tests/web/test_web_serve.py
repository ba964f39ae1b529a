"""`panelist serve` as a person runs it: the installed command in a subprocess, on the real
clock, on a copy of the demo built today; the page answers, the log holds no token, and
SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from browser_helpers import free_port
from web_helpers import made_link

from panelist.mail.transport import MaildirTransport
from panelist.workspace import Workspace

PANELIST = Path(sys.executable).with_name("panelist")


def test_panelist_serve_serves_the_link_page(
    live_demo_workspace: Workspace, tmp_path: Path
) -> None:
    ws = live_demo_workspace
    link = made_link(ws, MaildirTransport(tmp_path / "outbox"))
    db_path = str(ws.db_path)
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    port = free_port()
    server = subprocess.Popen(
        [str(PANELIST), "serve", "--db", db_path, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PANELIST_DB": db_path},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "panelist serve did not answer"
            time.sleep(0.1)
        page = httpx.get(f"{base}{link.path}", timeout=20)
        assert page.status_code == 200, page.text
        assert "Pick a time for your interview" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "server" not in page.headers
        assert httpx.get(f"{base}/s/{'A' * 43}", timeout=10).status_code == 404
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "serving scheduling links at" in err
    assert link.token not in out + err, "no access log: every path holds a token"
    assert "Traceback" not in err


def test_serve_is_offered_and_costs_the_app_nothing() -> None:
    helped = subprocess.run(
        [str(PANELIST), "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert helped.returncode == 0 and "--port" in helped.stdout and "--host" in helped.stdout
    code = (
        "import sys, panelist_tui.cli\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'panelist_web')])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert loaded.stdout.strip() == "[]"
