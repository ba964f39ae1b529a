"""The host-wide leases beside a database file (`panelist.storage.lease`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from panelist.errors import StorageError
from panelist.storage.lease import Lease


def test_one_holder_at_a_time_and_the_others_can_name_it(db_path: Path) -> None:
    first, second = Lease(db_path, "duties", "open app"), Lease(db_path, "duties", "open app")
    assert first.try_take() and first.held
    assert not second.try_take() and second.taken_elsewhere()
    assert second.holder().startswith(f"open app (pid {os.getpid()} on ")
    first.release()
    assert not second.taken_elsewhere() and second.try_take()
    second.release()


def test_every_path_to_one_database_names_the_same_lease(db_path: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    direct, linked = Lease(db_path, "duties", "a"), Lease(link, "duties", "b")
    assert direct.try_take()
    assert not linked.try_take()
    direct.release()


@pytest.mark.parametrize("mode", [0o600, 0o660])
def test_the_lock_file_is_as_open_as_the_database(db: Database, db_path: Path, mode: int) -> None:
    db_path.chmod(mode)
    lease = Lease(db_path, "duties", "open app")
    assert lease.try_take()
    assert stat.S_IMODE(lease.path.stat().st_mode) == mode
    lease.release()


def test_a_lock_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    lease = Lease(tmp_path / "gone" / "panelist.db", "duties", "open app")
    with pytest.raises(StorageError) as refused:
        lease.try_take()
    assert str(refused.value) == (
        f"cannot open the lock file {tmp_path}/gone/panelist.db.duties.lock: "
        "No such file or directory"
    )
