"""``panelist connect google`` run as an admin and a person would (subprocesses), against the
loopback fake's token endpoint: bad key files are one line, and secrets reach the keyring
only (never the database file, its WAL, the output or the audit log)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cli_helpers import run_panelist
from connect_helpers import keyring_env, saved_settings, stored_bytes
from google_helpers import make_provider
from google_keys import oauth_client, write_json

from panelist_google.config import CALENDAR_SCOPES, SERVICE_ACCOUNT_SCOPES
from panelist_google.testing import FakeGoogle

ADMIN = "daan.devries@example.com"  # an Admin of the demo company
PERSON = "rosa.jansen@example.com"  # not an Admin
HERE = Path(__file__).parent


@pytest.fixture
def db_file(live_demo_db_file: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(live_demo_db_file, tmp_path / "panelist.db"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return keyring_env(tmp_path)


def test_a_key_file_that_is_not_a_service_account_key_is_one_line(
    db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    client = write_json(
        tmp_path / "client.json", oauth_client("https://oauth2.googleapis.com/token")
    )
    result = run_panelist(
        "connect", "google", "service-account", str(client), "--admin", "it@example.com",
        "--db", str(db_file), "--as", ADMIN, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: Google: key file {client} is not a service account key (its type is None) "
        "(it is an OAuth client file: use 'panelist connect google oauth')"
    ]
    assert saved_settings(db_file, "google") == {}


def test_the_service_account_is_stored_by_path_and_the_scopes_are_printed(
    db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    with FakeGoogle() as google:
        key = google.service_account_key_file(tmp_path / "key.json")
    result = run_panelist(
        "connect", "google", "service-account", str(key), "--admin", "it@example.com",
        "--db", str(db_file), "--as", ADMIN, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert ",".join(SERVICE_ACCOUNT_SCOPES) in result.stdout
    assert saved_settings(db_file, "google") == {
        "mode": "service_account",
        "key_file": str(key),
        "admin_email": "it@example.com",
        "customer": "my_customer",
    }
    private_key = json.loads(key.read_text())["private_key"]
    assert b"PRIVATE KEY" not in stored_bytes(db_file)
    assert private_key not in result.stdout + result.stderr


def consent(google: FakeGoogle, db_file: Path, env: dict[str, str], who: str, client_id: str,
            *extra: str) -> tuple[str, str]:  # fmt: skip
    """`panelist connect google oauth` as `who`, who signs in and pastes the address back;
    what it printed and the code Google gave."""
    process = subprocess.Popen(
        [sys.executable, "-m", "panelist", "connect", "google", "oauth", *extra,
         "--db", str(db_file), "--as", who],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=os.environ | env,
    )  # fmt: skip
    assert process.stdout is not None
    printed = []
    while not (line := process.stdout.readline()).startswith("http"):
        printed.append(line)
        assert line, "no consent URL was printed: " + (
            process.stderr.read() if process.stderr else ""
        )
    query = parse_qs(urlsplit(line.strip()).query)
    assert query["login_hint"] == [who] and query["access_type"] == ["offline"]
    code = google.authorization_code(client_id, who, CALENDAR_SCOPES)
    pasted = f"http://127.0.0.1:53682/?state={query['state'][0]}&code={code}&scope=x"
    out, err = process.communicate(pasted + "\n", timeout=60)
    assert process.returncode == 0, err
    assert f"{who} is connected" in out
    return line + "".join(printed) + out + err, code


def test_oauth_over_ssh_prints_the_url_takes_the_pasted_address_and_keeps_the_token_in_the_keyring(
    db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    with FakeGoogle() as google:
        google.add_user(ADMIN, "Daan de Vries")
        google.add_user(PERSON, "Rosa Jansen")
        client_id, secret = google.add_oauth_client()
        config = oauth_client(google.token_uri, auth_uri=google.url + "o/oauth2/auth")
        config["installed"] |= {"client_id": client_id, "client_secret": secret}
        client = write_json(tmp_path / "client.json", config)
        printed, _ = consent(
            google, db_file, env, ADMIN, client_id, "--client-secrets", str(client)
        )

        kept = json.loads((tmp_path / "keyring.json").read_text())
        token = kept[f"panelist/google:refresh_token:{ADMIN}"]
        assert kept["panelist/google:client_secret"] == secret
        for value in (token, secret):
            assert value.encode() not in stored_bytes(db_file)
            assert value not in printed
        settings = saved_settings(db_file, "google")
        assert settings["mode"] == "oauth" and settings["client_id"] == client_id
        assert settings["token_uri"] == google.token_uri

        # The kept grant works: the provider reads the person's calendar with it.
        from datetime import UTC, datetime, timedelta

        now = datetime(2026, 3, 23, tzinfo=UTC)
        provider = make_provider(
            settings | {"api_base": google.url}, now,
            secrets={f"refresh_token:{ADMIN}": token, "client_secret": secret},
        )  # fmt: skip
        import anyio

        assert anyio.run(provider.list_events, ADMIN, now, now + timedelta(days=1)) == []
        assert google.calls_of("calendar.events.list")[-1].subject == ADMIN

        # Then anyone connects their own account, with no Admin rights and no client file.
        printed, _ = consent(google, db_file, env, PERSON, client_id)
        kept = json.loads((tmp_path / "keyring.json").read_text())
        assert kept[f"panelist/google:refresh_token:{PERSON}"] not in printed
        assert saved_settings(db_file, "google") == settings


def test_a_wrong_paste_is_one_line_and_nothing_is_kept(
    db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    with FakeGoogle() as google:
        client_id, secret = google.add_oauth_client()
        config = oauth_client(google.token_uri)
        config["installed"] |= {"client_id": client_id, "client_secret": secret}
        client = write_json(tmp_path / "client.json", config)
        result = subprocess.run(
            [sys.executable, "-m", "panelist", "connect", "google", "oauth",
             "--client-secrets", str(client), "--db", str(db_file), "--as", ADMIN],
            input="http://127.0.0.1:53682/?state=forged&code=4/abcdefghijklmnop\n",
            capture_output=True, text=True, env=os.environ | env, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert re.search(r"Error: Google: the pasted address belongs to another attempt", result.stderr)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "keyring.json").exists()  # not even the client secret
    assert saved_settings(db_file, "google") == {}


def test_plugins_json_lists_google_with_both_providers(env: dict[str, str]) -> None:
    result = run_panelist("plugins", "--json", env=env)
    found = {p["name"]: p for p in json.loads(result.stdout)}
    assert found["google"]["ok"] is True
    assert {"google", "google_meet"} <= set(found["google"]["providers"])


def test_loading_the_plugin_imports_no_google_library(env: dict[str, str]) -> None:
    probe = (
        "import sys; from panelist.plugins import load_registry; load_registry(); "
        "print(sorted(m for m in sys.modules if m.startswith(('googleapiclient', 'google.', "
        "'google_auth', 'httplib2'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=os.environ | env,
        check=True,
    )
    assert result.stdout.strip() == "[]"
