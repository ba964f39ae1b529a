"""SSH access: keys granted and revoked by an Admin, the authorized_keys file Panelist
writes (others' lines kept), the forced command's refusals, and the database's own
permissions. Real ssh-keygen keys, a real SQLite file; the real sshd is in
tests/integration/test_ssh.py."""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import run_panelist as panelist
from disk_helpers import full_disk

from panelist.errors import ConfigurationError, NotFound, PermissionDenied, ValidationError
from panelist.services.access import (
    employee_for_key,
    grant_key,
    list_access,
    read_public_key,
    revoke_keys,
)
from panelist.services.directory import find_employee_by_email
from panelist.storage.database import open_database
from panelist.workspace import Workspace

COMMAND = ["/opt/panelist/bin/panelist", "ssh-session", "--config", "/srv/panelist/config.toml"]
FOREIGN = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops"
RECRUITER = "rosa.jansen@example.com"


def new_key(folder: Path, name: str) -> Path:
    """A fresh ed25519 key pair; returns the private key's path (the .pub is beside it)."""
    private = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f", str(private)],
        check=True,
    )
    return private


def public(private: Path) -> str:
    return private.with_name(f"{private.name}.pub").read_text()


@pytest.fixture
def admin_ws(demo_workspace: Workspace) -> Workspace:
    (email,) = demo_workspace.db.execute(
        "SELECT e.email FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE r.name = 'Admin' ORDER BY e.email LIMIT 1"
    ).fetchone()
    admin = find_employee_by_email(demo_workspace.db, email)
    assert admin is not None
    return replace(demo_workspace, actor=admin)


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    """The service account's authorized_keys, with a line of the host's own."""
    path = tmp_path / "ssh" / "authorized_keys"
    path.parent.mkdir()
    path.write_text(f"# the host's own keys\n{FOREIGN}\n")
    return path


def ssh_key_rows(ws: Workspace) -> list[tuple[object, ...]]:
    return ws.db.execute("SELECT * FROM ssh_keys").fetchall()


def test_grant_writes_a_forced_command_line_and_keeps_the_hosts_lines(
    admin_ws: Workspace, keys_file: Path, tmp_path: Path
) -> None:
    key = read_public_key(public(new_key(tmp_path, "rosa")), "rosa.pub")
    granted = grant_key(admin_ws, RECRUITER, key, keys_file, COMMAND)
    lines = keys_file.read_text().splitlines()
    assert lines[:2] == ["# the host's own keys", FOREIGN]
    assert lines[2] == (
        f'restrict,pty,command="{" ".join(COMMAND)} {granted.key_id}" {key.text} '
        f"panelist:{granted.key_id}"
    )
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert granted.email == RECRUITER and granted.fingerprint.startswith("SHA256:")
    assert employee_for_key(admin_ws.db, granted.key_id).email == RECRUITER
    assert [k.key_id for k in list_access(admin_ws, keys_file).keys] == [granted.key_id]
    assert list_access(admin_ws, keys_file).problems == []
    assert not list(keys_file.parent.glob(".authorized_keys-*")), "a temporary file was left"


def test_a_revoked_key_is_refused_and_its_line_gone(
    admin_ws: Workspace, keys_file: Path, tmp_path: Path
) -> None:
    rosa = grant_key(
        admin_ws,
        RECRUITER,
        read_public_key(public(new_key(tmp_path, "a")), "a"),
        keys_file,
        COMMAND,
    )
    other = grant_key(
        admin_ws,
        RECRUITER,
        read_public_key(public(new_key(tmp_path, "b")), "b"),
        keys_file,
        COMMAND,
    )
    assert [k.key_id for k in revoke_keys(admin_ws, rosa.key_id, keys_file, COMMAND)] == [
        rosa.key_id
    ]
    text = keys_file.read_text()
    assert f"panelist:{rosa.key_id}" not in text and f"panelist:{other.key_id}" in text
    assert FOREIGN in text
    with pytest.raises(
        PermissionDenied, match=f"^SSH key {rosa.key_id} was revoked; ask an Admin$"
    ):
        employee_for_key(admin_ws.db, rosa.key_id)
    # By email: every live key of that person.
    assert [k.key_id for k in revoke_keys(admin_ws, RECRUITER, keys_file, COMMAND)] == [
        other.key_id
    ]
    assert keys_file.read_text() == f"# the host's own keys\n{FOREIGN}\n"
    with pytest.raises(NotFound, match=rf"^{RECRUITER} has no SSH key granted$"):
        revoke_keys(admin_ws, RECRUITER, keys_file, COMMAND)
    with pytest.raises(NotFound, match=r"^no SSH key 'nope-1' is granted"):
        revoke_keys(admin_ws, "nope-1", keys_file, COMMAND)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("garbage\n", r"^k\.pub is not an OpenSSH public key \(expected"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB x\n", r"^k\.pub is not a valid public key"),
        (f'command="sh" {FOREIGN}\n', r"^k\.pub is not an OpenSSH public key"),
        (f"{FOREIGN}\n{FOREIGN}\n", r"^k\.pub: expected one public key line, found 2$"),
        ("", r"^k\.pub: expected one public key line, found 0$"),
    ],
)
def test_a_malformed_key_is_one_line(text: str, refusal: str) -> None:
    with pytest.raises(ValidationError, match=refusal):
        read_public_key(text, "k.pub")


def test_a_private_key_is_refused(tmp_path: Path) -> None:
    private = new_key(tmp_path, "secret")
    with pytest.raises(ValidationError, match=r"is a private key; give its \.pub file"):
        read_public_key(private.read_text(), str(private))


def test_a_key_granted_to_someone_else_is_refused_and_nothing_changes(
    admin_ws: Workspace, keys_file: Path, tmp_path: Path
) -> None:
    key = read_public_key(public(new_key(tmp_path, "shared")), "shared.pub")
    first = grant_key(admin_ws, RECRUITER, key, keys_file, COMMAND)
    before = (keys_file.read_text(), ssh_key_rows(admin_ws))
    other = admin_ws.user.email
    with pytest.raises(
        ValidationError, match=f"^this key is already granted to {RECRUITER} \\({first.key_id}\\)"
    ):
        grant_key(admin_ws, other, key, keys_file, COMMAND)
    with pytest.raises(
        ValidationError, match=rf"already granted to {RECRUITER} as {first.key_id}$"
    ):
        grant_key(admin_ws, RECRUITER, key, keys_file, COMMAND)
    with pytest.raises(ValidationError, match=r"^nobody@example.com is not an active employee$"):
        grant_key(admin_ws, "nobody@example.com", key, keys_file, COMMAND)
    assert (keys_file.read_text(), ssh_key_rows(admin_ws)) == before


def test_a_file_that_cannot_be_written_leaves_no_grant(admin_ws: Workspace, tmp_path: Path) -> None:
    key = read_public_key(public(new_key(tmp_path, "k")), "k.pub")
    with full_disk(tmp_path / "full") as disk:
        target = disk.path / "authorized_keys"
        with pytest.raises(
            ConfigurationError, match=f"^cannot write {target}: No space left on device$"
        ):
            grant_key(admin_ws, RECRUITER, key, target, COMMAND)
        assert not target.exists()
        assert [p.name for p in disk.path.iterdir()] == ["filler"], "a temporary file was left"
    assert ssh_key_rows(admin_ws) == []


def test_a_hand_edited_line_is_reported_and_opens_nothing(
    admin_ws: Workspace, keys_file: Path, tmp_path: Path
) -> None:
    granted = grant_key(
        admin_ws,
        RECRUITER,
        read_public_key(public(new_key(tmp_path, "k")), "k"),
        keys_file,
        COMMAND,
    )
    forged = f'restrict,pty,command="{" ".join(COMMAND)} admin-1" {FOREIGN} panelist:admin-1'
    with keys_file.open("a") as out:
        out.write(f"{forged}\n")
    found = list_access(admin_ws, keys_file)
    assert found.problems == [
        f"{keys_file}:4: key admin-1 is not granted in the database (revoked or unknown): "
        "its sessions are refused"
    ]
    with pytest.raises(PermissionDenied, match=r"^SSH key admin-1 is not granted; ask an Admin$"):
        employee_for_key(admin_ws.db, "admin-1")
    # Our own line removed by hand: reported too.
    keys_file.write_text(f"{FOREIGN}\n")
    assert list_access(admin_ws, keys_file).problems == [
        f"{keys_file}: key {granted.key_id} is granted but has no line; "
        "revoke it and grant it again"
    ]


def test_a_key_of_someone_no_longer_active_opens_nothing(
    admin_ws: Workspace, keys_file: Path, tmp_path: Path
) -> None:
    key = read_public_key(public(new_key(tmp_path, "k")), "k.pub")
    granted = grant_key(admin_ws, RECRUITER, key, keys_file, COMMAND)
    admin_ws.db.execute("UPDATE employees SET active = 0 WHERE email = ?", [RECRUITER])
    with pytest.raises(
        PermissionDenied,
        match=f"^SSH key {granted.key_id} belongs to {RECRUITER}, who is no longer active$",
    ):
        employee_for_key(admin_ws.db, granted.key_id)


# ----------------------------------------------------------------- the forced command


@pytest.fixture
def session_key(admin_ws: Workspace, keys_file: Path, tmp_path: Path) -> tuple[str, Path]:
    """A key granted to Rosa, and the service account's config naming the database."""
    key = read_public_key(public(new_key(tmp_path, "k")), "k.pub")
    granted = grant_key(admin_ws, RECRUITER, key, keys_file, COMMAND)
    admin_ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    config = tmp_path / "service-config.toml"
    config.write_text(f'db = "{admin_ws.db_path}"\n')
    return granted.key_id, config


@pytest.mark.parametrize(
    "asked",
    [
        "panelist --as oliver.smith@example.com",
        "sh -c id",
        "cat panelist.db",
        "plugins; sh",
        "'unbalanced",
    ],
)
def test_the_client_cannot_pick_a_command_identity_or_file(
    session_key: tuple[str, Path], asked: str, tmp_path: Path
) -> None:
    key_id, config = session_key
    env = {
        **os.environ,
        "SSH_ORIGINAL_COMMAND": asked,
        "PANELIST_USER": "oliver.smith@example.com",
        "PANELIST_DB": str(tmp_path / "elsewhere.db"),
    }
    done = panelist("ssh-session", "--config", str(config), key_id, env=env)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(
        "Error: over SSH this key opens the app, or runs plugins, version; nothing else"
    )
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "elsewhere.db").exists()


def test_a_config_file_others_may_write_opens_nothing(session_key: tuple[str, Path]) -> None:
    key_id, config = session_key
    config.chmod(0o620)
    done = panelist("ssh-session", "--config", str(config), key_id, env=dict(os.environ))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"Error: {config} is writable by its group (mode -rw--w----); anyone who can write "
        f"it can make themselves Admin: run chmod 600 {config}\n"
    )


def test_an_allowed_command_runs_and_an_unknown_key_gets_nothing(
    session_key: tuple[str, Path],
) -> None:
    key_id, config = session_key
    env = {**os.environ, "SSH_ORIGINAL_COMMAND": "panelist plugins"}
    done = panelist("ssh-session", "--config", str(config), key_id, env=env)
    assert done.returncode == 0, done.stderr
    assert "local" in done.stdout
    refused = panelist("ssh-session", "--config", str(config), "ghost-1", env=env)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == "Error: SSH key ghost-1 is not granted; ask an Admin\n"


def test_the_clients_panelist_and_textual_variables_have_no_effect(
    session_key: tuple[str, Path], tmp_path: Path
) -> None:
    """sshd may pass the client's variables on (Debian's AcceptEnv LANG LC_*, or more):
    a session reads none of Panelist's or Textual's."""
    key_id, config = session_key
    env = {
        **os.environ,
        "SSH_ORIGINAL_COMMAND": "plugins",
        "PANELIST_PLUGINS": "local",
        "PANELIST_BLOCK_PLUGINS": "caldav",
        "PANELIST_BUSY_TIMEOUT": "soon",
        "PANELIST_CONFIG": str(tmp_path / "elsewhere.toml"),
        "PANELIST_USER": "oliver.smith@example.com",
        "TEXTUAL_LOG": str(tmp_path / "textual.log"),
    }
    done = panelist("ssh-session", "--config", str(config), key_id, env=env)
    assert done.returncode == 0, done.stderr
    assert "local" in done.stdout and "caldav" in done.stdout
    assert not (tmp_path / "textual.log").exists()


# ----------------------------------------------------------------- the database's mode


@pytest.mark.parametrize(("suffix", "mode"), [("", 0o664), ("", 0o606), ("-wal", 0o660)])
def test_a_database_others_may_write_is_refused(
    demo_workspace: Workspace, suffix: str, mode: int
) -> None:
    demo_workspace.close()
    path = demo_workspace.db_path
    target = Path(f"{path}{suffix}")
    target.touch()
    target.chmod(mode)
    with pytest.raises(ConfigurationError) as refused:
        open_database(path)
    assert str(refused.value).startswith(f"{target} is writable by ")
    assert str(refused.value).endswith(f"run chmod 600 {target}")


def test_a_folder_others_may_write_is_refused_unless_sticky(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    with pytest.raises(ConfigurationError, match=f"run chmod go-w {folder}$"):
        open_database(folder / "panelist.db")
    folder.chmod(0o1777)  # like /tmp: only a file's owner may replace it
    open_database(folder / "panelist.db").close()


def test_a_new_database_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_database(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_command_line_says_it_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "company.db"
    open_database(path).close()
    path.chmod(0o666)
    env = {**os.environ, "PANELIST_CONFIG": str(tmp_path / "none.toml")}
    done = panelist("access", "list", "--db", str(path), env=env)
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: {path} is writable by group and others (mode -rw-rw-rw-); anyone who can "
        f"write it can make themselves Admin: run chmod 600 {path}\n"
    )


def test_grant_writes_the_service_config_once_and_refuses_another_database(
    demo_workspace: Workspace, tmp_path: Path
) -> None:
    demo_workspace.close()
    db = demo_workspace.db_path
    config = tmp_path / "config" / "config.toml"
    keys_file = tmp_path / "authorized_keys"
    env = {**os.environ, "PANELIST_CONFIG": str(config)}
    grant = ("--db", str(db), "--as", "oliver.smith@example.com", "access", "grant")
    where = ("--authorized-keys", str(keys_file))
    first = new_key(tmp_path, "first")
    done = panelist(*grant, RECRUITER, f"{first}.pub", *where, env=env)
    assert done.returncode == 0, done.stderr
    assert config.read_text() == f'db = "{db}"\n'
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert f"ssh-session --config {config} " in keys_file.read_text()

    config.write_text('db = "/srv/other.db"\n')
    before = keys_file.read_text()
    second = new_key(tmp_path, "second")
    refused = panelist(*grant, RECRUITER, f"{second}.pub", *where, env=env)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (
        f"Error: {config} names another database (/srv/other.db); SSH sessions open that "
        f'one: grant keys on it, or set db = "{db}" there\n'
    )
    assert keys_file.read_text() == before
    reopened = open_database(db)
    assert reopened.execute("SELECT count(*) FROM ssh_keys").fetchone() == (1,)
    reopened.close()
