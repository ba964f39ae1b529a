"""A real OpenSSH server on a free loopback port, for tests and benches of the shared host.

It has its own host key and config in `folder`, reads `keys_file` as the service
account's authorized_keys (where `panelist access grant` writes), and admits `user` by
public key only::

    with LoopbackSshd(folder, keys_file, getpass.getuser()) as sshd:
        subprocess.run(["ssh", "-p", str(sshd.port), f"{sshd.user}@127.0.0.1", ...])

Its log is `folder / "sshd.log"`, its pid `folder / "sshd.pid"`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

SSHD = Path("/usr/sbin/sshd")
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LoopbackSshd:
    folder: Path
    keys_file: Path
    user: str
    max_startups: int | None = None
    """sshd's default (10:30:100) drops logins beyond 10 unauthenticated at once."""
    log_level: str = "VERBOSE"
    port: int = field(default_factory=free_port)
    _server: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log: IO[str] | None = field(default=None, init=False, repr=False)

    @property
    def pid_file(self) -> Path:
        return self.folder / "sshd.pid"

    def config(self) -> Path:
        host_key = self.folder / "host_key"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True
        )
        config = self.folder / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"PidFile {self.pid_file}\nAuthorizedKeysFile {self.keys_file}\n"
            # Temporary folders are not root's own: sshd would refuse the file in them.
            "StrictModes no\nUsePAM no\nPermitUserEnvironment no\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
            f"PermitRootLogin prohibit-password\nAllowUsers {self.user}\n"
            f"LogLevel {self.log_level}\n"
            + (f"MaxStartups {self.max_startups}\n" if self.max_startups else "")
        )
        return config

    def start(self) -> LoopbackSshd:
        if not SSHD.exists():
            raise RuntimeError(f"no sshd at {SSHD} (make system-deps: openssh-server)")
        config = self.config()
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation
        checked = subprocess.run(
            [str(SSHD), "-t", "-f", str(config)], capture_output=True, text=True
        )
        if checked.returncode != 0:
            raise RuntimeError(f"sshd -t: {checked.stderr.strip()}")
        self._log = (self.folder / "sshd.log").open("w")
        self._server = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)], stderr=self._log
        )
        try:
            self._wait_for_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._server is not None
            if self._server.poll() is not None:
                raise RuntimeError(f"sshd stopped at start (see {self.folder / 'sshd.log'})")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"sshd did not listen on port {self.port}")

    def stop(self) -> None:
        if self._server is not None:
            self._server.terminate()
            try:
                self._server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
            self._server = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LoopbackSshd:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
