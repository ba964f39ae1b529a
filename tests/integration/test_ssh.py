"""Panelist behind a real OpenSSH server, as a recruiting team uses it on one host.

A fixture starts Debian's sshd on a free loopback port with a temporary host key and
config; the service account is the account running the tests, and its authorized_keys is
a temporary file that `panelist access grant` writes. The `ssh` client runs under tmux,
as a recruiter types it: each key opens the app as its own employee; asking for another
identity, a shell or a file gets nothing; a revoked key is refused.

The data is the demo built at the real now (sshd's sessions read the real clock).
"""

from __future__ import annotations

import getpass
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from terminal_helpers import terminal_env, terminal_running

from panelist.testing.sshd import SSHD, LoopbackSshd
from panelist.workspace import Workspace

SSH = shutil.which("ssh") or "/usr/bin/ssh"
ADMIN = "oliver.smith@example.com"
ROSA = ("rosa.jansen@example.com", "Rosa Jansen")
PIETER = ("pieter.vandijk@example.com", "Pieter van Dijk")


@dataclass(frozen=True)
class Host:
    """The service account's side: its database, config, authorized_keys, and sshd's port."""

    folder: Path
    db: Path
    config: Path
    keys_file: Path
    port: int
    user: str

    def panelist(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`panelist` as the service account's Admin runs it on the host."""
        return subprocess.run(
            [sys.executable, "-m", "panelist", "--db", str(self.db), "--as", ADMIN, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PANELIST_CONFIG": str(self.config)},
        )

    def grant(self, email: str, name: str) -> tuple[str, Path]:
        """A new key pair for `email`, granted; returns its key id and private key."""
        private = self.folder / name
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(private)], check=True
        )
        done = self.panelist(
            "access", "grant", email, f"{private}.pub", "--authorized-keys", str(self.keys_file)
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split(":")[0], private

    def ssh(self, key: Path, *command: str, tty: bool = False) -> list[str]:
        return [
            SSH, "-t" if tty else "-T", "-F", "/dev/null", "-i", str(key), "-p", str(self.port),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            f"{self.user}@127.0.0.1", *command,
        ]  # fmt: skip

    def audit(self, action: str) -> list[tuple[str, str, str]]:
        """(actor, subject, detail) of the audit log's `action` lines, oldest first."""
        done = self.panelist("audit", "--json")
        assert done.returncode == 0, done.stderr
        lines = [e for e in json.loads(done.stdout) if e["action"] == action]
        return [(e["actor_email"] or e["actor_label"], e["subject"], e["detail"]) for e in lines][
            ::-1
        ]

    def run(self, key: Path, *command: str) -> subprocess.CompletedProcess[str]:
        """One command over SSH without a terminal, as a script would send it."""
        return subprocess.run(
            self.ssh(key, *command), capture_output=True, text=True, timeout=60, check=False
        )


@pytest.fixture
def host(live_demo_workspace: Workspace, tmp_path: Path) -> Iterator[Host]:
    assert SSHD.exists(), "sshd is needed for these tests (make system-deps: openssh-server)"
    live_demo_workspace.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    live_demo_workspace.close()
    keys_file = tmp_path / "authorized_keys"
    with LoopbackSshd(tmp_path, keys_file, getpass.getuser()) as sshd:
        yield Host(
            tmp_path, live_demo_workspace.db_path, tmp_path / "config.toml", keys_file,
            sshd.port, sshd.user,
        )  # fmt: skip


def test_two_keys_open_the_app_as_two_employees(host: Host) -> None:
    _, rosa_key = host.grant(*ROSA)
    _, pieter_key = host.grant(*PIETER)
    env = terminal_env(host.folder)
    with (
        terminal_running(shlex.join(host.ssh(rosa_key, tty=True)), env) as rosa,
        terminal_running(shlex.join(host.ssh(pieter_key, tty=True)), env) as pieter,
    ):
        assert "Pieter van Dijk" not in rosa.wait_for("Rosa Jansen")
        assert "Rosa Jansen" not in pieter.wait_for("Pieter van Dijk")
        rosa.keys("q")
        pieter.keys("q")
    opened = {(who, detail.split(": ")[-1]) for who, _, detail in host.audit("ssh session")}
    assert opened == {(ROSA[0], "opened the app"), (PIETER[0], "opened the app")}
    granted = [(who, subject.split(" (")[-1]) for who, subject, _ in host.audit("access grant")]
    assert granted == [(ADMIN, f"{ROSA[0]})"), (ADMIN, f"{PIETER[0]})")]


def test_asking_for_another_identity_a_shell_or_a_file_gets_nothing(host: Host) -> None:
    _, key = host.grant(*ROSA)
    secret = host.db.read_bytes()[:16]  # "SQLite format 3\0"
    for asked in (
        ("panelist", "--as", ADMIN, "audit"),
        ("sh", "-c", "id"),
        ("cat", str(host.db)),
        ("/bin/bash",),
    ):
        done = host.run(key, *asked)
        assert done.returncode == 1, (asked, done.stdout, done.stderr)
        assert done.stdout == ""
        assert done.stderr.startswith("Error: over SSH this key opens the app, or runs plugins")
        assert "uid=" not in done.stderr and secret.decode("latin-1") not in done.stderr
    refused = [detail for who, _, detail in host.audit("ssh session") if who == ROSA[0]]
    assert len(refused) == 4 and all(d.endswith(", refused") for d in refused), refused
    assert "'sh -c id'" in refused[1]


def test_an_allowed_command_runs(host: Host) -> None:
    _, key = host.grant(*ROSA)
    done = host.run(key, "plugins")
    assert done.returncode == 0, done.stderr
    assert "local" in done.stdout and "caldav" in done.stdout


def test_a_revoked_key_is_refused_also_with_its_line_left_behind(host: Host) -> None:
    key_id, key = host.grant(*ROSA)
    assert host.run(key, "version").returncode == 0
    left_behind = host.keys_file.read_text()
    revoked = host.panelist("access", "revoke", key_id, "--authorized-keys", str(host.keys_file))
    assert revoked.returncode == 0, revoked.stderr
    # Without its line sshd itself says no.
    refused = host.run(key, "version")
    assert refused.returncode == 255 and refused.stdout == ""
    assert "Permission denied (publickey)" in refused.stderr
    # A copy of the old file put back by hand: the session still refuses, from the database.
    host.keys_file.write_text(left_behind)
    again = host.run(key, "version")
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr == f"Error: SSH key {key_id} was revoked; ask an Admin\n"
    listed = host.panelist("access", "list", "--authorized-keys", str(host.keys_file))
    assert listed.returncode == 1 and f"key {key_id} is not granted" in listed.stderr
    assert [(who, detail) for who, _, detail in host.audit("access revoke")] == [
        (ADMIN, f"key {key_id} {detail.split()[-1]}") for _, _, detail in host.audit("access grant")
    ]
    sessions = [(who, detail) for who, _, detail in host.audit("ssh session")]
    assert sessions[0][0] == ROSA[0] and sessions[0][1].endswith("ran version")
    assert sessions[-1] == (f"ssh key {key_id}", f"SSH key {key_id} was revoked; ask an Admin")


def test_textuals_variables_from_the_client_write_no_file(host: Host) -> None:
    """TEXTUAL_LOG (and TEXTUAL_SCREENSHOT) would have the app write files on the host as
    the service account; a session drops every TEXTUAL_* and PANELIST_* variable the
    client may send before Textual loads."""
    key_id, _ = host.grant(*ROSA)
    shots = host.folder / "shots"
    shots.mkdir()
    env = terminal_env(host.folder) | {
        "TEXTUAL_SCREENSHOT": "0",
        "TEXTUAL_SCREENSHOT_LOCATION": str(shots),
        "TEXTUAL_SCREENSHOT_FILENAME": "screen.svg",
        "TEXTUAL_LOG": str(shots / "textual.log"),
    }
    forced = [str(Path(sys.executable).with_name("panelist")), "ssh-session"]
    with terminal_running(shlex.join([*forced, "--config", str(host.config), key_id]), env) as app:
        app.wait_for("Rosa Jansen")
        time.sleep(1)  # the screenshot timer would have fired at once
        assert "Rosa Jansen" in app.screen()
        app.keys("q")
    assert list(shots.iterdir()) == []
