"""Versioned schema migrations, per scope: "core" and one scope per plugin.

A `MigrationSet` is an ordered list of functions; the n-th function brings the
scope to version n. Applied versions are recorded in ``_migrations``. Each step
runs in its own transaction, so a failing step leaves the previous version intact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlite_utils import Database

from panelist.errors import SchemaTooNew

Migration = Callable[[Database], None]


class MigrationSet:
    """Migrations of one scope, registered in order with the instance as a decorator."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.steps: list[Migration] = []

    def __call__(self, fn: Migration) -> Migration:
        self.steps.append(fn)
        return fn

    @property
    def latest(self) -> int:
        return len(self.steps)


def run_script(db: Database, script: str) -> None:
    """Run SQL statements one by one, inside the caller's transaction.

    (`executescript` would COMMIT first, so a failing migration could not roll back.)
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        db.execute(pending)


def _applied_versions(db: Database) -> dict[str, int]:
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations ("
        " scope TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL, PRIMARY KEY (scope, version))"
    )
    rows = db.execute("SELECT scope, MAX(version) FROM _migrations GROUP BY scope").fetchall()
    return {scope: version for scope, version in rows}


def check_not_newer(db: Database, sets: Iterable[MigrationSet], path: str) -> None:
    """Refuse a database whose schema is newer than this code knows: writing it could corrupt it."""
    applied = _applied_versions(db)
    for migration_set in sets:
        have = applied.get(migration_set.scope, 0)
        if have > migration_set.latest:
            raise SchemaTooNew(
                f"{path}: the {migration_set.scope!r} schema is at version {have}, "
                f"newer than this Panelist knows ({migration_set.latest}); upgrade Panelist"
            )


def migrate(db: Database, sets: Iterable[MigrationSet], path: str = "database") -> list[str]:
    """Apply every pending step of every set; return "scope:version name" of each step run."""
    sets = list(sets)
    check_not_newer(db, sets, path)
    applied = _applied_versions(db)
    ran = []
    for migration_set in sets:
        for version, step in enumerate(migration_set.steps, start=1):
            if version <= applied.get(migration_set.scope, 0):
                continue
            with db.atomic():
                step(db)
                db.table("_migrations").insert(
                    {
                        "scope": migration_set.scope,
                        "version": version,
                        "name": step.__name__,
                        "applied_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                )
            ran.append(f"{migration_set.scope}:{version} {step.__name__}")
    return ran
