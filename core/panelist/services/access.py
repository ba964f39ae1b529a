"""Who may open Panelist over SSH: one public key, one employee (an Admin's job).

The service account's ``authorized_keys`` gets one line per live key, written here:

    restrict,pty,command="<panelist> ssh-session --config <file> KEY-ID" \\
        ssh-ed25519 AAAA… panelist:KEY-ID          (one line)

sshd runs that command whatever the client asks for. The database stays the authority:
`ssh-session` looks KEY-ID up at every session start (`employee_for_key`), so a revoked
key, or a line someone left behind, opens nothing. Lines without the ``panelist:`` mark
are the host's own and are kept as they are. The file is rewritten whole from the
database (temp file, fsync, rename) inside the change's transaction: a failed write
rolls the change back, and a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from sqlite_utils import Database

from panelist import audit
from panelist.errors import ConfigurationError, NotFound, PermissionDenied, ValidationError
from panelist.models import Employee
from panelist.permissions import Right, require
from panelist.services.directory import employee_from_row
from panelist.storage.transaction import immediate
from panelist.text import printable
from panelist.workspace import Workspace

MARK = "panelist:"
"""The comment that ends every line Panelist writes; the rest of the file is not ours."""
OPTIONS = "restrict,pty"
"""No forwarding, no agent, no X11, no ~/.ssh/rc; a terminal for the app."""

_KEY_TYPE = re.compile(r"(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,3}")


@dataclass(frozen=True)
class PublicKey:
    kind: str
    blob: str
    comment: str
    fingerprint: str

    @property
    def text(self) -> str:
        return f"{self.kind} {self.blob}"


@dataclass(frozen=True)
class GrantedKey:
    key_id: str
    email: str
    name: str
    fingerprint: str
    comment: str
    added_at: str
    revoked_at: str | None


@dataclass(frozen=True)
class AccessList:
    keys: list[GrantedKey]
    problems: list[str]
    """Lines of authorized_keys that do not match the database, one sentence each."""


def read_public_key(text: str, source: str) -> PublicKey:
    """One OpenSSH public key line (as in id_ed25519.pub), checked by ssh-keygen."""
    if "PRIVATE KEY" in text:
        raise ValidationError(
            f"{source} is a private key; give its .pub file (a private key never leaves its owner)",
            field="key",
        )
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) != 1:
        raise ValidationError(
            f"{source}: expected one public key line, found {len(lines)}", field="key"
        )
    parts = lines[0].split()
    if len(parts) < 2 or not _KEY_TYPE.fullmatch(parts[0]) or not _BASE64.fullmatch(parts[1]):
        raise ValidationError(
            f'{source} is not an OpenSSH public key (expected "ssh-ed25519 AAAA… comment", '
            "no options before it)",
            field="key",
        )
    kind, blob = parts[0], parts[1]
    fingerprint = _fingerprint(f"{kind} {blob}\n", source)
    return PublicKey(kind, blob, printable(" ".join(parts[2:])), fingerprint)


def _fingerprint(line: str, source: str) -> str:
    """ssh-keygen's SHA256 fingerprint; it refuses a blob that is not the key it names."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        raise ConfigurationError(
            "ssh-keygen is not installed (Debian: apt-get install openssh-client)"
        )
    done = subprocess.run(
        [keygen, "-l", "-E", "sha256", "-f", "-"],
        input=line,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    fields = done.stdout.split()
    if done.returncode != 0 or len(fields) < 2 or not fields[1].startswith("SHA256:"):
        raise ValidationError(
            f"{source} is not a valid public key (ssh-keygen cannot read it)", field="key"
        )
    return fields[1]


def grant_key(
    ws: Workspace, email: str, key: PublicKey, keys_file: Path, command: Sequence[str]
) -> GrantedKey:
    """Let `key` open sessions as the employee `email`; `command` is the forced command
    before its KEY-ID (``panelist ssh-session --config FILE``)."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    with immediate(ws.db):
        employee = _active_employee(ws.db, email)
        _refuse_granted(ws.db, key, employee)
        key_id = _new_key_id(ws.db, employee.email)
        ws.db.table("ssh_keys").insert(
            {
                "key_id": key_id,
                "employee_id": employee.id,
                "fingerprint": key.fingerprint,
                "public_key": key.text,
                "comment": key.comment,
                "added_at": _now(ws),
            }
        )
        write_authorized_keys(ws.db, keys_file, command)
        detail = f"key {key_id} {key.fingerprint}"
        audit.record_by(ws, audit.Action.ACCESS_GRANT, audit.employee_subject(employee), detail)
    return _granted(ws.db, "k.key_id = ?", [key_id])[0]


def revoke_keys(
    ws: Workspace, who: str, keys_file: Path, command: Sequence[str]
) -> list[GrantedKey]:
    """Revoke one key (by KEY-ID) or every live key of an employee (by email); returns them."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    with immediate(ws.db):
        if "@" in who:
            live = _granted(ws.db, "e.email = ? COLLATE NOCASE AND k.revoked_at IS NULL", [who])
            if not live:
                raise NotFound(f"{who} has no SSH key granted")
        else:
            live = _granted(ws.db, "k.key_id = ? AND k.revoked_at IS NULL", [who])
            if not live:
                raise NotFound(f"no SSH key {who!r} is granted (see panelist access list)")
        ws.db.execute(
            f"UPDATE ssh_keys SET revoked_at = ? WHERE key_id IN ({', '.join('?' * len(live))})",
            [_now(ws), *(key.key_id for key in live)],
        )
        write_authorized_keys(ws.db, keys_file, command)
        for key in live:
            subject = f"employee {key.email}"
            detail = f"key {key.key_id} {key.fingerprint}"
            audit.record_by(ws, audit.Action.ACCESS_REVOKE, subject, detail)
    return live


def list_access(ws: Workspace, keys_file: Path) -> AccessList:
    """Every key ever granted, and where ``authorized_keys`` disagrees with the database."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    keys = _granted(ws.db, "1", [])
    live = {key.key_id for key in keys if key.revoked_at is None}
    written = {}
    problems = []
    for number, line in enumerate(_read_lines(keys_file), start=1):
        key_id = _marked_key_id(line)
        if key_id is None:
            continue
        written[key_id] = number
        if key_id not in live:
            problems.append(
                f"{keys_file}:{number}: key {key_id} is not granted in the database "
                "(revoked or unknown): its sessions are refused"
            )
    problems += [
        f"{keys_file}: key {key_id} is granted but has no line; revoke it and grant it again"
        for key_id in sorted(live - set(written))
    ]
    return AccessList(keys, [printable(problem) for problem in problems])


def employee_for_key(db: Database, key_id: str) -> Employee:
    """Who a forced-command session is: the employee the live key KEY-ID was granted to."""
    rows = list(
        db.query(
            "SELECT e.*, k.revoked_at AS key_revoked_at FROM ssh_keys k"
            " JOIN employees e ON e.id = k.employee_id WHERE k.key_id = ?",
            [key_id],
        )
    )
    shown = printable(key_id)
    if not rows:
        raise PermissionDenied(f"SSH key {shown} is not granted; ask an Admin")
    row = rows[0]
    if row["key_revoked_at"]:
        raise PermissionDenied(f"SSH key {shown} was revoked; ask an Admin")
    if not row["active"]:
        raise PermissionDenied(
            f"SSH key {shown} belongs to {row['email']}, who is no longer active"
        )
    return employee_from_row({k: v for k, v in row.items() if k != "key_revoked_at"})


def write_authorized_keys(db: Database, keys_file: Path, command: Sequence[str]) -> None:
    """The file with its foreign lines as they were and one line per live key."""
    prefix = shlex.join(command)
    if '"' in prefix or "\n" in prefix:
        raise ConfigurationError(f"the forced command cannot be written safely: {prefix!r}")
    kept = [line for line in _read_lines(keys_file) if _marked_key_id(line) is None]
    ours = [
        f'{OPTIONS},command="{prefix} {key_id}" {public_key} {MARK}{key_id}'
        for key_id, public_key in db.execute(
            "SELECT key_id, public_key FROM ssh_keys WHERE revoked_at IS NULL ORDER BY added_at"
        ).fetchall()
    ]
    _replace_file(keys_file, "".join(f"{line}\n" for line in kept + ours))


def _read_lines(keys_file: Path) -> list[str]:
    try:
        return keys_file.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigurationError(f"cannot read {keys_file}: {exc.strerror or exc}") from None


def _marked_key_id(line: str) -> str | None:
    tokens = line.split()
    if not tokens or tokens[0].startswith("#") or not tokens[-1].startswith(MARK):
        return None
    return tokens[-1].removeprefix(MARK)


def _replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` (0600) so a reader sees the old file or the new one."""
    tmp: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".authorized_keys-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = None
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _active_employee(db: Database, email: str) -> Employee:
    rows = list(db.table("employees").rows_where("email = ? COLLATE NOCASE", [email.strip()]))
    if not rows or not rows[0]["active"]:
        raise ValidationError(f"{printable(email)} is not an active employee", field="email")
    return employee_from_row(rows[0])


def _refuse_granted(db: Database, key: PublicKey, employee: Employee) -> None:
    row = db.execute(
        "SELECT k.key_id, e.email FROM ssh_keys k JOIN employees e ON e.id = k.employee_id"
        " WHERE k.fingerprint = ? AND k.revoked_at IS NULL",
        [key.fingerprint],
    ).fetchone()
    if row is None:
        return
    key_id, owner = row
    if owner.casefold() == employee.email.casefold():
        raise ValidationError(f"this key is already granted to {owner} as {key_id}", field="key")
    raise ValidationError(
        f"this key is already granted to {owner} ({key_id}); one key opens one person's "
        "sessions: ask them for their own key",
        field="key",
    )


def _new_key_id(db: Database, email: str) -> str:
    """ "rosa.jansen-3f9a1c": readable in `access list`, safe on a command line."""
    local = re.sub(r"[^a-z0-9.]+", "-", email.split("@")[0].casefold()).strip(".-")[:40]
    while True:
        key_id = f"{local or 'key'}-{secrets.token_hex(3)}"
        if not db.execute("SELECT 1 FROM ssh_keys WHERE key_id = ?", [key_id]).fetchone():
            return key_id


def _granted(db: Database, where: str, params: list[object]) -> list[GrantedKey]:
    return [
        GrantedKey(*row)
        for row in db.execute(
            "SELECT k.key_id, e.email, e.name, k.fingerprint, k.comment, k.added_at,"
            " k.revoked_at FROM ssh_keys k JOIN employees e ON e.id = k.employee_id"
            f" WHERE {where} ORDER BY k.added_at, k.key_id",
            params,
        ).fetchall()
    ]


def _now(ws: Workspace) -> str:
    return ws.clock.now().astimezone(UTC).isoformat(timespec="seconds")
