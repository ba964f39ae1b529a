"""``panelist connect microsoft`` run as an admin would (a subprocess) against the loopback
fake's Entra and Graph: the connection is tried before anything is kept, a wrong secret or a
mailbox outside the access policy is one line with nothing saved, and the secret reaches the
keyring only (never the database file, its WAL, the output or the audit log)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import run_panelist
from connect_helpers import keyring_env, saved_settings, stored_bytes
from microsoft_helpers import settings_for
from microsoft_tenant import ANA, CLIENT_ID, SECRET
from sqlite_utils import Database

from panelist_microsoft.testing import FakeGraph

ADMIN = "daan.devries@example.com"  # an Admin of the demo company
TESTS = Path(__file__).parents[2]


@pytest.fixture
def db_file(live_demo_db_file: Path, tmp_path: Path, graph: FakeGraph) -> Iterator[Path]:
    """The demo company, told where its (fake) Microsoft cloud is, as a sovereign cloud is."""
    path = Path(shutil.copy(live_demo_db_file, tmp_path / "panelist.db"))
    cloud = {k: v for k, v in settings_for(graph).items() if k in ("api_base", "authority",
                                                                     "ca_file")}  # fmt: skip
    db = Database(path)
    db["provider_settings"].insert_all(
        [{"provider": "microsoft", "key": k, "value": v} for k, v in cloud.items()]
    )
    db.close()
    yield path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return keyring_env(tmp_path)


def connect(graph: FakeGraph, db_file: Path, env: dict[str, str], secret: str) -> tuple[int, str]:
    result = run_panelist(
        "connect", "microsoft", "--tenant", graph.tenant_id, "--client-id", CLIENT_ID,
        "--secret-stdin", "--check", ANA, "--db", str(db_file), "--as", ADMIN,
        env=env, stdin=secret + "\n", unset=("PANELIST_MICROSOFT_CLIENT_SECRET",),
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout + result.stderr


def test_a_wrong_secret_is_one_line_and_nothing_is_kept(
    graph: FakeGraph, db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    before = saved_settings(db_file, "microsoft")
    code, output = connect(graph, db_file, env, "not-the-secret")
    assert code != 0
    (line,) = [line for line in output.splitlines() if line.strip()]
    assert "nothing was saved" in line and "client secret is wrong" in line
    assert saved_settings(db_file, "microsoft") == before
    assert not (tmp_path / "keyring.json").exists()


def test_a_mailbox_outside_the_access_policy_is_named_and_nothing_is_kept(
    graph: FakeGraph, db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    graph.restrict_to(CLIENT_ID, ["someone.else@contoso.example"])
    before = saved_settings(db_file, "microsoft")
    code, output = connect(graph, db_file, env, SECRET)
    assert code != 0
    assert "application access policy" in output and ANA in output
    assert saved_settings(db_file, "microsoft") == before
    assert not (tmp_path / "keyring.json").exists()


def test_connecting_keeps_the_secret_in_the_keyring_only(
    graph: FakeGraph, db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    code, output = connect(graph, db_file, env, SECRET)
    assert code == 0, output
    assert f"{ANA}'s calendar was read" in output and "Calendars.ReadWrite" in output
    assert f"New-ApplicationAccessPolicy -AppId {CLIENT_ID}" in output
    settings = saved_settings(db_file, "microsoft")
    assert (settings["tenant_id"], settings["client_id"], settings["auth"]) == (
        graph.tenant_id, CLIENT_ID, "secret"
    )  # fmt: skip
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    assert SECRET in keyring.values()
    assert SECRET.encode() not in stored_bytes(db_file)
    assert SECRET not in output
