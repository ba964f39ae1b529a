"""``panelist connect gotomeeting`` run as an Admin and a host would (subprocesses), against
the loopback fake's token endpoint: the URL is printed, the redirected address pasted back,
the refresh token kept in the keyring only (never the database, its WAL or the output)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cli_helpers import run_panelist
from connect_helpers import keyring_env, stored_bytes
from sqlite_utils import Database

from panelist_gotomeeting.testing import FakeGoTo

ADMIN = "daan.devries@example.com"  # an Admin of the demo company
PERSON = "rosa.jansen@example.com"  # not an Admin
HERE = Path(__file__).parent
REDIRECT = "http://127.0.0.1:53682/"


@pytest.fixture
def db_file(live_demo_db_file: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(live_demo_db_file, tmp_path / "panelist.db"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return keyring_env(tmp_path)


def point_at(db_file: Path, goto: FakeGoTo) -> None:
    """The servers, as an Admin sets them for a private deployment (here: the fake)."""
    db = Database(db_file)
    try:
        for key, value in (("auth_base", goto.auth_base), ("api_base", goto.api_base)):
            db.execute(
                "INSERT INTO provider_settings (provider, key, value) VALUES ('gotomeeting', ?, ?)",
                [key, value],
            )
        db.conn.commit()
    finally:
        db.close()


def settings(db_file: Path) -> dict[str, str]:
    db = Database(db_file)
    try:
        rows = db.execute("SELECT key, value FROM provider_settings WHERE provider = 'gotomeeting'")
        return dict(rows.fetchall())
    finally:
        db.close()


def connect(
    goto: FakeGoTo, db_file: Path, env: dict[str, str], who: str, client_id: str,
    signs_in_as: str, *extra: str, first_line: str | None = None,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """`panelist connect gotomeeting` as `who`, who signs in to GoTo as `signs_in_as` and
    pastes the address back."""
    process = subprocess.Popen(
        [sys.executable, "-m", "panelist", "connect", "gotomeeting", *extra,
         "--db", str(db_file), "--as", who],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=os.environ | env,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    if first_line is not None:
        process.stdin.write(first_line + "\n")
        process.stdin.flush()
    printed = []
    while not (line := process.stdout.readline()).startswith("http"):
        printed.append(line)
        assert line, "no consent URL was printed: " + (
            process.stderr.read() if process.stderr else ""
        )
    url = urlsplit(line.strip())
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == goto.auth_base + "/oauth/authorize"
    assert query["client_id"] == [client_id] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [REDIRECT]
    code = goto.authorization_code(client_id, signs_in_as)
    pasted = f"{REDIRECT}?code={code}&state={query['state'][0]}"
    out, err = process.communicate(pasted + "\n", timeout=60)
    return subprocess.CompletedProcess(
        process.args, process.returncode, line + "".join(printed) + out, err
    )


def test_the_admin_sets_the_client_and_each_host_connects_their_own_account(
    db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    with FakeGoTo() as goto:
        client_id, secret = goto.add_client()
        goto.add_organizer(ADMIN, "Daan de Vries")
        goto.add_organizer(PERSON, "Rosa Jansen")
        point_at(db_file, goto)

        done = connect(goto, db_file, env, ADMIN, client_id, ADMIN, "--client-id", client_id,
                       "--secret-stdin", first_line=secret)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert f"{ADMIN} is connected" in done.stdout
        kept = json.loads((tmp_path / "keyring.json").read_text())
        token = kept[f"panelist/gotomeeting:refresh_token:{ADMIN}"]
        assert kept["panelist/gotomeeting:client_secret"] == secret
        assert settings(db_file)["client_id"] == client_id
        for value in (token, secret):
            assert value.encode() not in stored_bytes(db_file)
            assert value not in done.stdout + done.stderr

        # A host who is no Admin connects their own account with no rights and no client.
        done = connect(goto, db_file, env, PERSON, client_id, PERSON)
        assert done.returncode == 0, done.stderr
        kept = json.loads((tmp_path / "keyring.json").read_text())
        assert kept[f"panelist/gotomeeting:refresh_token:{PERSON}"] not in done.stdout

        # The kept grant works: the provider verifies the host with it.
        from goto_helpers import NOW

        from panelist.clock import FrozenClock
        from panelist.providers import ProviderContext
        from panelist_gotomeeting.provider import GoToMeetingProvider

        context = ProviderContext(
            None, FrozenClock(NOW), settings(db_file),
            lambda provider, name: kept.get(f"panelist/{provider}:{name}"),
        )  # fmt: skip
        import anyio

        provider = GoToMeetingProvider(context, keep=lambda name, value: None)
        assert anyio.run(provider.is_verified_host, PERSON) is True


def test_an_account_that_does_not_host_goto_meeting_keeps_nothing(
    db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    with FakeGoTo() as goto:
        client_id, secret = goto.add_client()
        goto.add_organizer(ADMIN, "Daan de Vries", products=("G2W",))
        point_at(db_file, goto)
        done = connect(goto, db_file, env, ADMIN, client_id, ADMIN, "--client-id", client_id,
                       "--secret-stdin", first_line=secret)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: GoTo Meeting: {ADMIN} is not an active GoToMeeting organiser; nothing was saved"
    )
    assert not (tmp_path / "keyring.json").exists()
    assert "client_id" not in settings(db_file)


def test_a_paste_from_another_attempt_is_one_line_and_nothing_is_kept(
    db_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    with FakeGoTo() as goto:
        client_id, secret = goto.add_client()
        point_at(db_file, goto)
        result = run_panelist(
            "connect", "gotomeeting", "--client-id", client_id, "--secret-stdin",
            "--db", str(db_file), "--as", ADMIN, env=env,
            stdin=f"{secret}\n{REDIRECT}?code=abcdefghijklmnop&state=forged\n",
        )  # fmt: skip
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("Error: GoTo Meeting: the pasted address belongs to another attempt")
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "keyring.json").exists()
    assert "client_id" not in settings(db_file)


def test_a_host_cannot_change_the_company_client(db_file: Path, env: dict[str, str]) -> None:
    result = run_panelist(
        "connect", "gotomeeting", "--client-id", "other", "--secret-stdin",
        "--db", str(db_file), "--as", PERSON, env=env, stdin="s3cret\n",
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "your recruiting role does not allow this" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    assert "client_id" not in settings(db_file)


def test_plugins_json_lists_gotomeeting(env: dict[str, str]) -> None:
    result = run_panelist("plugins", "--json", env=env)
    found = {p["name"]: p for p in json.loads(result.stdout)}
    assert found["gotomeeting"]["ok"] is True
    assert "gotomeeting" in found["gotomeeting"]["providers"]


def test_loading_the_plugin_imports_no_httpx(env: dict[str, str]) -> None:
    probe = (
        "import sys; from panelist.plugins import load_registry; load_registry(); "
        "print('httpx' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ | env,
        check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "False"
