"""Connecting: the pasted-back consent answer, and key files that are not service account keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google_keys import oauth_client, service_account_key, write_json

from panelist.errors import AuthenticationFailed, ConfigurationError
from panelist_google.auth import (
    code_from_paste,
    read_key_file,
    service_account_info,
    start_consent,
)

CODE = "4/0AeanS0bZ-Qx_8example.code~1"


def test_consent_url_asks_offline_access_with_pkce_and_the_loopback_redirect() -> None:
    _, url, state = start_consent(
        oauth_client("https://oauth2.googleapis.com/token"), "ana@example.com"
    )
    assert url.startswith("https://accounts.google.com/o/oauth2/auth?")
    for part in (
        "access_type=offline",
        "prompt=consent",
        "code_challenge_method=S256",
        f"state={state}",
        "login_hint=ana%40example.com",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2F",
        "calendar.events",
        "calendar.freebusy",
    ):
        assert part in url, part


@pytest.mark.parametrize(
    "pasted",
    [
        f"http://127.0.0.1:53682/?state=S1&code={CODE}&scope=https://www.googleapis.com/auth/calendar.events",
        f"  '127.0.0.1:53682/?code={CODE}&state=S1'  ",
        f"?state=S1&code={CODE}",
        CODE,
    ],
)
def test_the_code_is_found_in_a_pasted_address_or_alone(pasted: str) -> None:
    assert code_from_paste(pasted, "S1") == CODE


@pytest.mark.parametrize(
    ("pasted", "error", "says"),
    [
        (f"http://127.0.0.1:53682/?state=OTHER&code={CODE}", ConfigurationError, "another attempt"),
        (
            "http://127.0.0.1:53682/?error=access_denied&state=S1",
            AuthenticationFailed,
            "access_denied",
        ),
        ("http://127.0.0.1:53682/?state=S1", ConfigurationError, "no 'code'"),
        ("", ConfigurationError, "nothing was pasted"),
        ("hello world", ConfigurationError, "neither"),
    ],
)
def test_a_wrong_paste_is_one_clear_line(pasted: str, error: type[Exception], says: str) -> None:
    with pytest.raises(error) as caught:
        code_from_paste(pasted, "S1")
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_a_service_account_key_is_read(tmp_path: Path) -> None:
    info = read_key_file(write_json(tmp_path / "key.json", service_account_key()))
    assert info["client_email"].endswith("iam.gserviceaccount.com")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            json.dumps(oauth_client("https://oauth2.googleapis.com/token")),
            "is not a service account key (its type is None) (it is an OAuth client file",
        ),
        (
            json.dumps({"type": "authorized_user", "refresh_token": "r"}),
            "its type is 'authorized_user'",
        ),
        ("-----BEGIN PRIVATE KEY-----", "is not JSON"),
        (
            json.dumps({"type": "service_account", "client_email": "a@b"}),
            "lacks private_key, token_uri",
        ),
        (
            json.dumps(
                {
                    **{
                        "type": "service_account",
                        "client_email": "a@b",
                        "token_uri": "https://oauth2.googleapis.com/token",
                    },
                    "private_key": "not a key",
                }
            ),
            "private key in key file",
        ),
        (
            json.dumps(
                {
                    "type": "service_account",
                    "client_email": "a@b",
                    "private_key": "k",
                    "token_uri": "http://evil.example/token",
                }
            ),
            "not an https URL",
        ),
    ],
)
def test_a_key_file_that_is_not_a_service_account_key_is_one_clear_line(
    tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "key.json"
    path.write_text(content)
    with pytest.raises(ConfigurationError) as caught:
        read_key_file(path)
    message = str(caught.value)
    assert says in message and str(path) in message and "\n" not in message
    assert "not a key" not in message  # the key's content is never repeated


def test_a_missing_key_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"cannot read the key file .*missing\.json"):
        read_key_file(tmp_path / "missing.json")
    with pytest.raises(ConfigurationError, match="the secret service_account_key is not JSON"):
        service_account_info("nope", "the secret service_account_key")
