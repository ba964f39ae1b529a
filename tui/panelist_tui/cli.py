"""The installed ``panelist`` command: core's CLI with this package's app as its UI."""

from __future__ import annotations

from pathlib import Path

from panelist import cli
from panelist.workspace import Workspace


def open_app(workspace: Workspace) -> None:
    # Imported here so `panelist plugins` and `panelist import` never pay for Textual.
    from panelist_tui.app import run_tui

    run_tui(workspace)


def serve_web(db_path: Path | str | None, host: str, port: int) -> None:
    # Imported here so neither the app nor any other command pays for Starlette.
    from panelist_web.serve import serve

    serve(db_path, host, port)


def main() -> None:
    cli.main(open_ui=open_app, serve=serve_web)
