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
from browser_helpers import free_port, live_server
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


def test_a_flood_on_a_real_server_books_once(ws: Workspace, tmp_path: Path) -> None:
    """100 concurrent POSTs of a booking, then 1,000 requests on the link, from 20
    connections at once: a few bookings answered (the same one), the rest 429, never a 5xx;
    one interview; the server still serves."""
    import asyncio
    import re

    from web_helpers import FAST

    from panelist.scheduling.links import CandidateLinks

    transport = MaildirTransport(tmp_path / "outbox")
    link = made_link(ws, transport)
    with live_server(ws, CandidateLinks(ws, transport, retry=FAST)) as base:
        page = httpx.get(f"{base}{link.path}", timeout=20)
        slot = re.findall(r'name="slot" value="([^"]+)"', page.text)[0]
        confirm = httpx.get(f"{base}{link.path}/confirm", params={"slot": slot}, timeout=20)
        csrf = re.findall(r'name="csrf" value="([^"]+)"', confirm.text)[0]

        async def flood() -> tuple[list[int], list[int]]:
            limits = httpx.Limits(max_connections=20)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
                form = {"slot": slot, "zone": "UTC", "csrf": csrf}
                posts = await asyncio.gather(
                    *(client.post(f"{link.path}/book", data=form) for _ in range(100))
                )
                gets = await asyncio.gather(*(client.get(link.path) for _ in range(1000)))
            return [r.status_code for r in gets], [r.status_code for r in posts]

        began = time.monotonic()
        gets, posts = asyncio.run(flood())
        took = time.monotonic() - began
        print(f"flood: 1,100 requests in {took:.2f} s")
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200, "still serving"
    assert set(gets) <= {200, 429} and gets.count(429) >= 900, (set(gets), took)
    assert set(posts) <= {303, 429} and 1 <= posts.count(303) <= 6, sorted(set(posts))
    booked = ws.db.execute(
        "SELECT count(*) FROM interviews WHERE request_key = ?", [f"link-{link.id}-booking"]
    ).fetchone()[0]
    assert booked == 1
