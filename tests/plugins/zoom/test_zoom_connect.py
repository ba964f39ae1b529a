"""``panelist connect zoom`` run as an admin would (a subprocess) against the loopback fake:
the connection is tried before anything is kept, a wrong secret is one line with nothing
saved, and the secret reaches the keyring only (never the database file, its WAL, the output
or the audit log). And the plugin loads without importing zoomus or requests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import run_panelist
from connect_helpers import keyring_env, saved_settings, stored_bytes
from sqlite_utils import Database
from zoom_account import CARL

from panelist_zoom.testing import CLIENT_ID, CLIENT_SECRET, FakeZoom

ADMIN = "daan.devries@example.com"  # an Admin of the demo company
TESTS = Path(__file__).parents[2]


@pytest.fixture
def db_file(live_demo_db_file: Path, tmp_path: Path, zoom: FakeZoom) -> Iterator[Path]:
    """The demo company, told where its (fake) Zoom is, as a company in Zoom's EU cloud is."""
    path = Path(shutil.copy(live_demo_db_file, tmp_path / "panelist.db"))
    cloud = {"api_base": zoom.api_base, "oauth_uri": zoom.oauth_uri}
    db = Database(path)
    db["provider_settings"].insert_all(
        [{"provider": "zoom", "key": k, "value": v} for k, v in cloud.items()]
    )
    db.close()
    yield path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return keyring_env(tmp_path)


def connect(
    zoom: FakeZoom, db_file: Path, env: dict[str, str], secret: str, *check: str
) -> tuple[int, str]:
    result = run_panelist(
        "connect", "zoom", "--account-id", zoom.account_id, "--client-id", CLIENT_ID,
        "--secret-stdin", *check, "--db", str(db_file), "--as", ADMIN,
        env=env, stdin=secret + "\n", unset=("PANELIST_ZOOM_CLIENT_SECRET",),
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout + result.stderr


def test_a_wrong_secret_is_one_line_and_nothing_is_kept(
    zoom: FakeZoom, db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    before = saved_settings(db_file, "zoom")
    code, output = connect(zoom, db_file, env, "not-the-secret")
    assert code != 0
    (line,) = [line for line in output.splitlines() if line.strip()]
    assert "nothing was saved" in line and "Invalid client_id or client_secret" in line
    assert "not-the-secret" not in output
    assert saved_settings(db_file, "zoom") == before
    assert not (tmp_path / "keyring.json").exists()


def test_a_missing_scope_is_named_and_nothing_is_kept(
    zoom: FakeZoom, db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    zoom.revoke_scope("user:read:user:admin")
    before = saved_settings(db_file, "zoom")
    code, output = connect(zoom, db_file, env, CLIENT_SECRET)
    assert code != 0
    assert "nothing was saved" in output and "user:read:user:admin" in output
    assert saved_settings(db_file, "zoom") == before
    assert not (tmp_path / "keyring.json").exists()


def test_connecting_keeps_the_secret_in_the_keyring_only(
    zoom: FakeZoom, db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    zoom.add_user(ADMIN, "Daan", "de Vries")
    code, output = connect(zoom, db_file, env, CLIENT_SECRET)
    assert code == 0, output
    assert f"{ADMIN} can host Zoom meetings" in output and "meeting:write:meeting:admin" in output
    settings = saved_settings(db_file, "zoom")
    assert (settings["account_id"], settings["client_id"]) == (zoom.account_id, CLIENT_ID)
    assert re.fullmatch(r"[0-9a-f]{8}", settings["reference_scope"])
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    assert CLIENT_SECRET in keyring.values()
    assert CLIENT_SECRET.encode() not in stored_bytes(db_file)
    assert CLIENT_SECRET not in output

    # Connecting again (a new secret, say) keeps the scope: meetings made so far stay ours.
    code, output = connect(zoom, db_file, env, CLIENT_SECRET, "--check", CARL)
    assert code == 0, output
    assert f"{CARL} is not an active, verified user" in output
    assert saved_settings(db_file, "zoom")["reference_scope"] == settings["reference_scope"]


def test_plugins_json_lists_zoom(env: dict[str, str]) -> None:
    result = run_panelist("plugins", "--json", env=env)
    found = {p["name"]: p for p in json.loads(result.stdout)}
    assert found["zoom"]["ok"] is True
    assert set(found["zoom"]["providers"]) == {"zoom"}


def test_loading_the_plugin_imports_neither_zoomus_nor_requests(env: dict[str, str]) -> None:
    probe = (
        "import sys; from panelist.plugins import load_registry; load_registry(); "
        "print(sorted(m for m in sys.modules if m.startswith(('zoomus', 'requests', 'urllib3'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=os.environ | env,
        check=True,
    )
    assert result.stdout.strip() == "[]"
