"""`BEGIN IMMEDIATE` transactions: the write lock first, so checks and writes see one state.

A plain (deferred) BEGIN reads a snapshot and only asks for the write lock at the
first write; two processes that both checked "the room is free" would then both
try to write. Taking the lock first makes SQLite's single writer the arbiter:
the second process waits (busy_timeout), then reads what the first committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    if db.conn.in_transaction:
        raise RuntimeError("immediate(): a transaction is already open on this connection")
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
