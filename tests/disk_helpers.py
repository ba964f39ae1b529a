"""A really full disk for the tests: a tiny tmpfs filled to the last byte, so a write gets
ENOSPC from the kernel, as on a full home partition (no mock of our code, no fake errno).

As root (`make test` in CI and in the project's containers) the tmpfs is mounted here and
unmounted after. Otherwise it is mounted in a user namespace (``unshare``) by a process
that stays alive while the test runs; the test reaches that mount through the process's
root, ``/proc/PID/root``. Freeing the filler file is "the cause fixed".
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SIZE = "64k"


@dataclass(frozen=True)
class FullDisk:
    path: Path
    """A folder on the full filesystem, writable by this process."""

    def free(self) -> None:
        """Make room again (the recruiter cleaned the disk up)."""
        (self.path / "filler").unlink()


@contextmanager
def full_disk(where: Path) -> Iterator[FullDisk]:
    """A full filesystem mounted at `where` (a new, empty folder)."""
    where.mkdir()
    with _mounted(where) as path:
        _fill(path / "filler")
        yield FullDisk(path)


@contextmanager
def _mounted(where: Path) -> Iterator[Path]:
    if os.geteuid() == 0 and _mount(where):
        try:
            yield where
        finally:
            subprocess.run(["umount", "--lazy", str(where)], check=True)
        return
    with _mounted_in_namespace(where) as path:
        yield path


def _mount(where: Path) -> bool:
    command = ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(where)]
    return subprocess.run(command, capture_output=True).returncode == 0


@contextmanager
def _mounted_in_namespace(where: Path) -> Iterator[Path]:
    unshare = shutil.which("unshare")
    if unshare is None:
        raise RuntimeError("a full-disk test needs root or util-linux's unshare")
    script = f'mount -t tmpfs -o size={SIZE} tmpfs "$1" && echo mounted && exec sleep 3600'
    holder = subprocess.Popen(
        [unshare, "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(where)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        if holder.stdout.readline() != b"mounted\n":
            raise RuntimeError(f"cannot mount a tmpfs in a user namespace: {holder.stderr}")
        yield Path(f"/proc/{holder.pid}/root") / where.relative_to("/")
    finally:
        holder.kill()
        holder.wait()


def _fill(filler: Path) -> None:
    """Write until the kernel says ENOSPC (a short write first, then the error)."""
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    block = b"\0" * 4096
    try:
        while True:
            os.write(descriptor, block)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(descriptor)
