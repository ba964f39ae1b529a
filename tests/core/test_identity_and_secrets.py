"""Who the user is, and where secrets come from (never the database)."""

import getpass
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlite_utils import Database

from panelist.config import Config, load_config
from panelist.errors import ConfigurationError
from panelist.models import WorkingHours
from panelist.secrets import get_secret
from panelist.workspace import resolve_user


@pytest.fixture
def people(db: Database) -> Database:
    for email, os_user in (("rosa@example.com", getpass.getuser()), ("sam@example.com", None)):
        db.table("employees").insert(
            {
                "email": email,
                "name": email[:3],
                "timezone": "UTC",
                "working_hours": WorkingHours.office().to_json(),
                "os_user": os_user,
            }
        )
    return db


def test_user_precedence(people: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANELIST_USER", raising=False)
    assert resolve_user(people, None, Config()).email == "rosa@example.com"  # the OS account
    assert resolve_user(people, None, Config(user="SAM@example.com")).email == "sam@example.com"
    monkeypatch.setenv("PANELIST_USER", "rosa@example.com")
    assert resolve_user(people, None, Config(user="sam@example.com")).email == "rosa@example.com"
    assert resolve_user(people, "sam@example.com", Config()).email == "sam@example.com"


def test_unknown_user_is_named(people: Database) -> None:
    with pytest.raises(
        ConfigurationError, match=r"--as names nobody@example\.com, who is not an employee"
    ):
        resolve_user(people, "nobody@example.com", Config())


def test_unmapped_os_account(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANELIST_USER", raising=False)
    with pytest.raises(
        ConfigurationError, match="is not mapped to an employee; run with --as EMAIL"
    ):
        resolve_user(db, None, Config())


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('user = "rosa@example.com"\ndb = "~/x.db"\n')
    assert load_config(path) == Config(user="rosa@example.com", db="~/x.db")
    path.write_text("user = [1]\n")
    with pytest.raises(ConfigurationError, match="user must be a string"):
        load_config(path)
    path.write_text("password = 'hunter2'\n")
    with pytest.raises(ConfigurationError, match="unknown setting 'password'"):
        load_config(path)
    path.write_text("user = \n")
    with pytest.raises(ConfigurationError, match=r"config\.toml"):
        load_config(path)
    assert load_config(tmp_path / "missing.toml") == Config()


class MemoryKeyring(KeyringBackend):
    """A real keyring backend (the keyring library's own extension point) kept in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def test_secrets_from_environment_then_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        keyring.set_password("panelist", "zoom:client_secret", "from-keyring")
        assert get_secret("zoom", "client_secret") == "from-keyring"
        monkeypatch.setenv("PANELIST_ZOOM_CLIENT_SECRET", "from-env")
        assert get_secret("zoom", "client_secret") == "from-env"
        assert get_secret("zoom", "other") is None
    finally:
        keyring.set_keyring(previous)
