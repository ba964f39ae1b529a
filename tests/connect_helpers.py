"""What the ``panelist connect …`` tests of every plugin look at: a keyring kept in a file the
test can read (`file_keyring`), what a database file and its WAL hold, a provider's settings."""

from __future__ import annotations

import os
from pathlib import Path

from sqlite_utils import Database

TESTS = Path(__file__).parent


def keyring_env(tmp_path: Path) -> dict[str, str]:
    """No config file of whoever runs the tests; a keyring kept in a file the test reads."""
    return {
        "PANELIST_CONFIG": str(tmp_path / "none.toml"),
        "PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
        "PANELIST_TEST_KEYRING": str(tmp_path / "keyring.json"),
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }


def stored_bytes(db_file: Path) -> bytes:
    """Everything the database keeps on disk: the file, its WAL and shared memory."""
    return b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))


def saved_settings(db_file: Path, provider: str) -> dict[str, str]:
    db = Database(db_file)
    try:
        rows = db.execute("SELECT key, value FROM provider_settings WHERE provider = ?", [provider])
        return dict(rows.fetchall())
    finally:
        db.close()
