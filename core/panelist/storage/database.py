"""Opening the Panelist database: where it lives, pragmas, migrations."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterable
from pathlib import Path

import platformdirs
from sqlite_utils import Database

from panelist.errors import ConfigurationError
from panelist.storage.connection import PanelistConnection, storage_error
from panelist.storage.migrations import MigrationSet, migrate
from panelist.storage.schema import core_migrations

APP_NAME = "panelist"
DB_ENV = "PANELIST_DB"
BUSY_ENV = "PANELIST_BUSY_TIMEOUT"
# Long enough for any other Panelist's write (imports hold the lock well under a second).
DEFAULT_BUSY_TIMEOUT_S = 15.0


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "panelist.db"


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--db PATH` wins, then ``PANELIST_DB``, then the platform's user data directory."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    return default_db_path()


def busy_timeout() -> float:
    """Seconds a writer waits for another Panelist's write lock: ``PANELIST_BUSY_TIMEOUT``."""
    text = os.environ.get(BUSY_ENV, "").strip()
    if not text:
        return DEFAULT_BUSY_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ConfigurationError(f"{BUSY_ENV}={text!r}: expected seconds between 0 and 3600")
    return seconds


def database_file(db: Database) -> Path | None:
    """The file `db` was opened from (None for an in-memory database)."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(file) if file else None
    return None


ADMIN_RISK = "anyone who can write it can make themselves Admin"


def refuse_shared_writes(path: Path, what: str = "the database", risk: str = ADMIN_RISK) -> None:
    """Refuse a database that group or others may write: whoever can write the file can
    make themselves Admin. Its -wal and -shm count too, and so does a folder in which
    they could replace it (one with the sticky bit, like /tmp, lets only owners do that).
    The SSH sessions' config file (it names the database) and the Maildir outbox (`risk`:
    what a writer could do there) are held to the same rule."""
    if os.name != "posix":
        return
    files = (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if what == "the database" else (path,)
    for file in files:
        mode = _mode(file)
        if mode is not None and mode & 0o022:
            private = "700" if stat.S_ISDIR(mode) else "600"
            raise ConfigurationError(
                f"{file} is writable by {_who(mode)} (mode {stat.filemode(mode)}); "
                f"{risk}: run chmod {private} {file}"
            )
    folder = path.parent
    mode = _mode(folder)
    if mode is not None and mode & 0o022 and not mode & stat.S_ISVTX:
        raise ConfigurationError(
            f"the folder of {path.name}, {folder}, is writable by {_who(mode)} "
            f"(mode {stat.filemode(mode)}); they could replace {what}: "
            f"run chmod go-w {folder}"
        )


def _mode(path: Path) -> int | None:
    try:
        return path.stat().st_mode
    except OSError:  # missing, or not ours to see: opening it will say so
        return None


def _who(mode: int) -> str:
    both = mode & 0o020 and mode & 0o002
    return "group and others" if both else "its group" if mode & 0o020 else "others"


def _create_private(path: Path) -> None:
    """A new database file starts as 0600 (its -wal and -shm take the same mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def connect(path: Path) -> Database:
    """A connection with the pragmas every Panelist process uses; no migrations."""
    timeout = busy_timeout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        refuse_shared_writes(path)
        _create_private(path)
        conn = sqlite3.connect(
            str(path), timeout=timeout, check_same_thread=False, factory=PanelistConnection
        )
    except sqlite3.Error as exc:
        raise storage_error(exc, path) or ConfigurationError(
            f"cannot open database {path}: {exc}"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot open database {path}: {exc.strerror or exc}") from None
    conn.panelist_path = path
    db = Database(conn)
    try:
        db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        with db.ensure_autocommit_on():
            # WAL lets several terminal sessions on one host share the file.
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError as exc:  # what the connection does not translate
        conn.close()
        raise ConfigurationError(f"{path} is not a Panelist database: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return db


def open_database(
    path: str | os.PathLike[str] | None = None,
    plugin_migrations: Iterable[MigrationSet] = (),
) -> Database:
    """Open (creating if needed) and migrate the database: core's schema, then each plugin's."""
    resolved = resolve_db_path(path)
    db = connect(resolved)
    try:
        migrate(db, [core_migrations, *plugin_migrations], str(resolved))
    except Exception:
        db.close()
        raise
    return db
