"""SQLite's failures of the file itself as Panelist errors, translated in one place.

A busy lock, a read-only file, a full disk or a damaged page can surface from any
statement, commit or fetch in any layer. Every Panelist connection is a
`PanelistConnection`, whose statements and cursors turn those failures into one
`StorageError` line fit to show; the CLI and the TUI already show PanelistError.
Programming errors (bad SQL, constraint violations) pass through unchanged.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

from panelist.errors import ConfigurationError, DatabaseBusy, PanelistError, StorageError

_BUSY = (DatabaseBusy, "another Panelist is writing to {}; try again")
# By SQLite's primary result code (an extended code's low byte).
_MESSAGES: dict[int, tuple[type[PanelistError], str]] = {
    sqlite3.SQLITE_BUSY: _BUSY,
    sqlite3.SQLITE_LOCKED: _BUSY,
    sqlite3.SQLITE_READONLY: (StorageError, "{} is read-only; the change was not saved"),
    sqlite3.SQLITE_PERM: (StorageError, "{}: permission denied; the change was not saved"),
    sqlite3.SQLITE_FULL: (StorageError, "the disk holding {} is full; the change was not saved"),
    sqlite3.SQLITE_IOERR: (StorageError, "{}: the disk failed to read or write (I/O error)"),
    sqlite3.SQLITE_CORRUPT: (StorageError, "{} is damaged (a corrupt page); restore a backup"),
    sqlite3.SQLITE_NOTADB: (ConfigurationError, "{} is not a Panelist database"),
}


def storage_error(exc: sqlite3.Error, path: Path | str) -> PanelistError | None:
    """The Panelist error for a failure of the database file; None for any other error."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    if code & 0xFF == sqlite3.SQLITE_CANTOPEN:
        return StorageError(f"cannot open database {path}{_why_not_open(Path(path))}")
    if (code & 0xFF) not in _MESSAGES:
        return None
    kind, message = _MESSAGES[code & 0xFF]
    return kind(message.format(path))


def _why_not_open(path: Path) -> str:
    # WAL keeps two files beside the database, so its folder must be writable too.
    folder = path.parent
    if not folder.is_dir():
        return f": the folder {folder} does not exist"
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return ": it or its folder is read-only"
    return ""


class PanelistCursor(sqlite3.Cursor):
    """A cursor whose statements and fetches raise `storage_error`s."""

    connection: PanelistConnection

    def _fail(self, exc: sqlite3.Error) -> PanelistError | sqlite3.Error:
        return storage_error(exc, self.connection.panelist_path) or exc

    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Self:
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        try:
            return super().executescript(sql_script)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size or self.arraysize)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc


class PanelistConnection(sqlite3.Connection):
    """`sqlite3.connect(..., factory=PanelistConnection)`; set `panelist_path` after."""

    panelist_path: Path | str = "the database"

    def _fail(self, exc: sqlite3.Error) -> PanelistError | sqlite3.Error:
        return storage_error(exc, self.panelist_path) or exc

    def cursor(self, factory: Any = PanelistCursor) -> Any:
        return super().cursor(factory)

    # Connection.execute() makes its cursor through cursor() but runs it in C,
    # so the shortcut methods translate for themselves.
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            cursor = super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        try:
            cursor = super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return cursor

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        try:
            cursor = super().executescript(sql_script)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return cursor

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
