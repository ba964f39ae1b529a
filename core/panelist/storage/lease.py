"""Host-wide leases beside a database file: which process runs its background duties.

A lease is an OS file lock (`flock`) on a small file next to the database
(``<db>.duties.lock``, ``<db>.worker.lock``). Chosen over a row in the database
because a lock dies with its process: a killed holder is replaced at the next try,
with no expiry to wait out and no clock to trust (a frozen or shifted clock cannot
steal a lease from a live holder), and a slow round can never be taken over midway.
Taking or probing it writes nothing to the database, so fifty open apps add no
writes to the single writer. It holds on one host only, which is also where SQLite's
WAL mode works: every Panelist of one database runs on the same host.

`flock` locks belong to an open file, not a process: two leases of the same file in
one process (threads, tests) exclude each other like two processes do.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

from panelist.errors import StorageError


def lock_path(db_path: Path, name: str) -> Path:
    """``<db>.<name>.lock`` beside the real database file (symlinks resolved, so every
    path to one database names the same lock)."""
    real = Path(os.path.realpath(db_path))
    return real.with_name(f"{real.name}.{name}.lock")


class Lease:
    """One named lease of one database; `try_take` never waits."""

    def __init__(self, db_path: Path, name: str, role: str) -> None:
        self.db_path = db_path
        self.path = lock_path(db_path, name)
        self.role = role
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_take(self) -> bool:
        """True when this lease is held now (already, or taken just now)."""
        if self._fd is not None:
            return True
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        self._write_note(fd)
        return True

    def taken_elsewhere(self) -> bool:
        """Whether another open file holds the lease. A shared probe: probes never
        exclude each other, and one that meets a taker only delays it (see `take_soon`)."""
        if self._fd is not None:
            return False
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the probe's shared lock
        return False

    def take_soon(self, tries: int = 5) -> bool:
        """`try_take`, again a moment later when a probe was in the way."""
        for _ in range(tries - 1):
            if self.try_take():
                return True
            time.sleep(0.05)
        return self.try_take()

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str:
        """Who holds it, as its holder wrote: "panelist worker (pid 12 on host, since …)"."""
        try:
            note = json.loads(self.path.read_text(encoding="utf-8"))
            return f"{note['role']} (pid {note['pid']} on {note['host']}, since {note['since']})"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def _open(self) -> int:
        """The lock file, created as open as the database is (whoever may write the
        database may take its leases); read-only will do for someone else's file."""
        try:
            return self._create()
        except FileExistsError:
            pass
        except OSError as error:
            raise self._error(error) from None
        try:
            return os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except PermissionError:
            pass
        except OSError as error:
            raise self._error(error) from None
        try:
            return os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)  # flock needs no write
        except OSError as error:
            raise self._error(error) from None

    def _create(self) -> int:
        try:
            mode = os.stat(self.db_path).st_mode & 0o666
        except OSError:
            mode = 0o600
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        os.fchmod(fd, mode | 0o600)  # past the umask, as the database's own mode was
        return fd

    def _error(self, error: OSError) -> StorageError:
        return StorageError(f"cannot open the lock file {self.path}: {error.strerror or error}")

    def _write_note(self, fd: int) -> None:
        note = {
            "role": self.role,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(note).encode(), 0)
        except OSError:
            pass  # a read-only lock file: the lease holds, only `holder` cannot name us
