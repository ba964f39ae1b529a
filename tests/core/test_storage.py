import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from panelist.errors import ConfigurationError, SchemaTooNew
from panelist.storage.database import open_database, resolve_db_path
from panelist.storage.migrations import MigrationSet, migrate, run_script
from panelist.storage.schema import core_migrations


def test_tables_named_as_the_domain(db: Database) -> None:
    for table in (
        "employees",
        "rooms",
        "jobs",
        "candidates",
        "applications",
        "interviews",
        "recruiting_roles",
        "interview_types",
        "evaluation_forms",
        "message_templates",
        "absences",
        "interview_participants",
        "interview_external_refs",
    ):
        assert db[table].exists(), table


def test_wal_and_foreign_keys_are_on(db: Database) -> None:
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        db["applications"].insert({"candidate_id": 999, "job_id": 999, "applied_on": "2026-01-01"})


def test_migrations_run_once(db_path: Path) -> None:
    calls = []
    extra = MigrationSet("extra")

    @extra
    def m001_table(db: Database) -> None:
        calls.append(1)
        db.execute("CREATE TABLE extra_things (id INTEGER PRIMARY KEY)")

    open_database(db_path, [extra]).close()
    db = open_database(db_path, [extra])
    assert calls == [1]
    versions = db.execute("SELECT scope, version FROM _migrations ORDER BY scope").fetchall()
    assert ("core", core_migrations.latest) in versions and ("extra", 1) in versions


def test_a_failing_migration_leaves_the_previous_version(db_path: Path) -> None:
    broken = MigrationSet("broken")

    @broken
    def m001_ok(db: Database) -> None:
        db.execute("CREATE TABLE broken_a (id INTEGER PRIMARY KEY)")

    @broken
    def m002_fails(db: Database) -> None:
        db.execute("CREATE TABLE broken_b (id INTEGER PRIMARY KEY)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        open_database(db_path, [broken])
    db = Database(db_path)
    assert db["broken_a"].exists() and not db["broken_b"].exists()
    assert db.execute("SELECT max(version) FROM _migrations WHERE scope='broken'").fetchone() == (
        1,
    )


def test_database_from_a_newer_panelist_is_refused_untouched(db_path: Path) -> None:
    open_database(db_path).close()
    raw = Database(db_path)
    raw["_migrations"].insert({"scope": "core", "version": 99, "name": "future", "applied_at": "x"})
    raw.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNew, match=r"version 99, newer than this Panelist knows"):
        open_database(db_path)
    assert db_path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite" * 100)
    with pytest.raises(ConfigurationError, match=r"junk\.db is not a Panelist database"):
        open_database(junk)


def test_db_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PANELIST_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(tmp_path / "flag.db") == tmp_path / "flag.db"
    assert resolve_db_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("PANELIST_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_db_path(None) == tmp_path / "xdg" / "panelist" / "panelist.db"


def test_migrate_reports_what_ran(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db")
    ran = migrate(db, [core_migrations])
    assert ran == [f"core:{i + 1} {step.__name__}" for i, step in enumerate(core_migrations.steps)]
    assert migrate(db, [core_migrations]) == []


def test_a_failing_script_migration_rolls_back_every_statement(db_path: Path) -> None:
    scripted = MigrationSet("scripted")

    @scripted
    def m001_two_tables_then_error(db: Database) -> None:
        run_script(
            db,
            "CREATE TABLE scripted_a (id INTEGER PRIMARY KEY); -- a comment; with semicolons\n"
            "CREATE TABLE scripted_b (id INTEGER PRIMARY KEY);\n"
            "INSERT INTO no_such_table VALUES (1);\n",
        )

    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        open_database(db_path, [scripted])
    db = Database(db_path)
    assert not db["scripted_a"].exists() and not db["scripted_b"].exists()
