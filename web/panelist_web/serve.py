"""`panelist serve`: the candidate page under uvicorn, on one database.

The server acts as nobody of its own: each request finds its link by the token, and core
acts as the employee who made that link (`CandidateLinks`). No access log: every path
holds a link token, and a log file is no place for one.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import uvicorn

from panelist.clock import Clock
from panelist.mail.transport import transport_from_settings
from panelist.scheduling.links import DEFAULT_BASE_URL, CandidateLinks, link_url
from panelist.workspace import Workspace, open_system_workspace
from panelist_web.app import create_app

DUTY = "serve"


def links_for(ws: Workspace) -> CandidateLinks:
    """The candidate side on `ws`'s database, mailing through the company's settings."""
    return CandidateLinks(ws, transport_from_settings(ws.db))


def server(
    ws: Workspace, host: str, port: int, *, links: CandidateLinks | None = None
) -> uvicorn.Server:
    """A uvicorn server for the page on `ws` (tests start it in a thread and stop it with
    `should_exit`)."""
    app = create_app(links or links_for(ws))
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        server_header=False,
        log_level="warning",
        lifespan="off",
        # A proxy on this host may say who the client is (the per-address rate limit).
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        timeout_keep_alive=5,
        limit_concurrency=200,
    )
    return uvicorn.Server(config)


def serve(
    db_path: str | os.PathLike[str] | None, host: str, port: int, clock: Clock | None = None
) -> None:
    """Serve until Ctrl+C or SIGTERM (uvicorn ends cleanly on both)."""
    ws = open_system_workspace(DUTY, db_path, clock=clock)
    try:
        where = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
        mailed = link_url(ws.db, "…")
        print(f"panelist: serving scheduling links at {where}/s/… ({Path(ws.db_path)}); "
              f"the mails link to {mailed}", file=sys.stderr)  # fmt: skip
        if mailed.startswith(DEFAULT_BASE_URL) and where != DEFAULT_BASE_URL:
            print(
                "panelist: set links_base_url (Settings → Company) to the address candidates "
                "reach this server at",
                file=sys.stderr,
            )
        _stop_quietly()
        server(ws, host, port).run()
    finally:
        ws.close()


def _stop_quietly() -> None:
    """uvicorn shuts down on SIGINT or SIGTERM, then raises the signal again for the
    handler it found: make that one end the process with status 0 and no traceback."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
