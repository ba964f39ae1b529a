"""Who the user is, and where secrets come from (never the database)."""

import getpass
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlite_utils import Database

from panelist.config import Config, load_config
from panelist.errors import ConfigurationError, PermissionDenied
from panelist.models import WorkingHours
from panelist.secrets import get_secret
from panelist.services.directory import set_setting
from panelist.workspace import resolve_user


def _add_people(db: Database, os_account_role: str) -> Database:
    """Rosa on this OS account, with `os_account_role`; Sam on none."""
    roles = dict(db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    for email, os_user, role in (
        ("rosa@example.com", getpass.getuser(), os_account_role),
        ("sam@example.com", None, "Recruiter"),
    ):
        db.table("employees").insert(
            {
                "email": email,
                "name": email[:3],
                "timezone": "UTC",
                "working_hours": WorkingHours.office().to_json(),
                "os_user": os_user,
                "company_role_id": roles[role],
            }
        )
    return db


@pytest.fixture
def people(db: Database) -> Database:
    """The OS account is an Admin's, who may act as anyone."""
    return _add_people(db, "Admin")


@pytest.fixture
def recruiter_account(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The OS account is a recruiter's, who may act only as herself."""
    monkeypatch.delenv("PANELIST_USER", raising=False)
    return _add_people(db, "Recruiter")


def test_a_recruiter_cannot_name_someone_else(
    recruiter_account: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = (
        "is honoured only for an Admin's OS account or a demo database; "
        f"the OS account '{getpass.getuser()}' is mapped to rosa@example.com, not an Admin"
    )
    with pytest.raises(PermissionDenied, match=f"^--as {refused}$"):
        resolve_user(recruiter_account, "sam@example.com", Config())
    # Who is an employee stays unsaid: the same line for a name that is nobody's.
    with pytest.raises(PermissionDenied, match=f"^--as {refused}$"):
        resolve_user(recruiter_account, "nobody@example.com", Config())
    monkeypatch.setenv("PANELIST_USER", "sam@example.com")
    with pytest.raises(PermissionDenied, match=f"^PANELIST_USER {refused}$"):
        resolve_user(recruiter_account, None, Config())
    monkeypatch.setenv("PANELIST_USER", "ROSA@example.com")  # naming oneself changes nothing
    assert resolve_user(recruiter_account, None, Config()).email == "rosa@example.com"


def test_an_unmapped_account_cannot_name_anyone(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PANELIST_USER", raising=False)
    _add_people(db, "Admin")
    db.execute("UPDATE employees SET os_user = NULL")
    with pytest.raises(PermissionDenied, match=r"is not mapped to an employee$"):
        resolve_user(db, "rosa@example.com", Config())


def test_in_a_demo_database_anyone_may_be_named(recruiter_account: Database) -> None:
    set_setting(recruiter_account, "demo", True)
    assert resolve_user(recruiter_account, "sam@example.com", Config()).email == "sam@example.com"


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
