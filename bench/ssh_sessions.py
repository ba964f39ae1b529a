"""Benchmark of many recruiters on one host over SSH; prints ONE JSON line. Not a test.

A real sshd (Debian's OpenSSH) listens on a free loopback port with a temporary host key
and config; `panelist access grant` (as the demo's Admin) writes its authorized_keys, one
key per session, so every login runs the real forced command `panelist ssh-session`. The
database is the demo built at the real now (`panelist demo --no-tui`), as sshd's sessions
read the real clock.

Each session is `ssh -tt` in its own pseudo-terminal (160x48) driven by one thread of this
process, which writes key bytes and timestamps the bytes the app writes back (as
bench/tui.py does). Every session logs in as an employee responsible for a job, opens one
of that job's applications, starts a new interview with one interviewer and opens Find a
time (the week grid), waiting for what each key draws, as tests/tui/test_tmux.py does.
Then:

- every session moves the cursor MOVES times (down, down, up, up, right, left, ...) with a
  think time between keys; `key_p50_ms`/`key_p95_ms` are from writing the key until the
  app's last byte for it (the first byte awaited up to KEY_TIMEOUT_S, then the screen
  counted as settled after QUIET_S without output); `keys_unanswered` counts keys that
  got no byte at all;
- INVITERS sessions (distinct employees, distinct applications and interviewers) then
  jump to a suggestion, take it, and press ctrl+s together (a barrier: the same second,
  not only the same minute); `invite_p95_s` is from ctrl+s until "Invited:" is on their
  screen. Concurrent inviters may pick the same room or video host: the commit-time
  re-check refuses the later ones with a clear line (`invites_refused`, `refusals`;
  `answer_p95_s` covers both answers). Meanwhile the other sessions keep moving
  (`key_p95_during_invites_ms`);
- afterwards the database must hold exactly one new interview per inviter (`lost` counts
  invites confirmed on screen whose application has none, `duplicated` extra ones) and
  no session's output may contain "database is locked" or "another Panelist is writing"
  (`locked_errors`: sessions that showed either); `session_errors` counts sessions that
  failed on the way (their reason in `errors`), the others go on;
- `rss_mb_per_session`: resident memory of each `panelist ssh-session` process with every
  session in the week grid (`pss_mb_per_session` counts shared pages once, the better
  guide to how many fit in RAM; `sshd_rss_mb_per_session` is sshd's own per-login cost);
- `cpu_idle`: CPU the session apps use while every one sits in the grid untouched
  (IDLE_WINDOW_S), as a share of the host's cores and of one core per session, beside the
  host's busy share (the machine is shared); `cpu_moving` the same while they move and
  invite; `cpu_s_per_session` is the CPU time each session's app used in all.

    python bench/ssh_sessions.py [--sessions N] [--inviters K] [--moves M] [--think S]
"""

from __future__ import annotations

import argparse
import fcntl
import getpass
import json
import os
import random
import re
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from panelist.clock import SystemClock
from panelist.models import Stage
from panelist.plugins import build_registry
from panelist.services.applications import list_applications
from panelist.services.directory import find_employee_by_email, list_employees
from panelist.services.interview_form import form_choices
from panelist.storage.database import open_database
from panelist.testing.sshd import SSHD, LoopbackSshd
from panelist.workspace import Workspace

SSH = shutil.which("ssh") or "/usr/bin/ssh"
PANELIST = Path(sys.executable).with_name("panelist")
ADMIN = "oliver.smith@example.com"
INTERVIEW_TYPE = "Technical interview"
SIZE = (160, 48)
KEYS = (b"\x1b[B", b"\x1b[B", b"\x1b[A", b"\x1b[A", b"\x1b[C", b"\x1b[D")
QUIET_S = 0.15
KEY_TIMEOUT_S = 10.0
STEP_TIMEOUT_S = 180.0
"""One navigation step may wait this long: 50 apps starting at once share two cores."""
SEARCH_TIMEOUT_S = 30.0
PARTICIPANT_TIMEOUT_S = 15.0
LOGIN_GAP_S = 0.2
IDLE_WINDOW_S = 5.0
CHOSEN_TYPE = re.compile(rf"Type\s+{INTERVIEW_TYPE}")
ONE_APPLICATION = re.compile(r"(?<!\d)1 application(?!s)")
"""The list's count once the search has left one row ("11 applications" is not it)."""
REFUSED = ("taken:", "already hosts", "is busy", "no longer free")
"""The form's answer when the commit-time re-check finds the slot gone."""
LOCKED = ("database is locked", "another panelist is writing")
ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b."
)


def visible(raw: bytes) -> str:
    """The text the app wrote, escape sequences removed (enough to spot a word drawn)."""
    return ESCAPES.sub(b"", raw).decode("utf-8", "replace")


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    """What one session does: who logs in, which application, which interviewer."""

    email: str
    candidate: str
    application_id: int
    type_downs: int
    interviewer: str
    interviewer_email: str


def first_name(name: str) -> str:
    return name.split()[0].lower()


def make_plans(db_path: Path, sessions: int, inviters: int) -> list[Plan]:
    """Sessions as the job's responsibles (only they may organise), round-robin; the first
    `inviters` are distinct employees on distinct applications with distinct interviewers,
    so that concurrent invites do not compete for one person's slot."""
    registry = build_registry()
    db = open_database(db_path, registry.migrations)
    try:
        staff = list_employees(db)
        responsible = {
            email
            for (email,) in db.execute(
                "SELECT DISTINCT e.email FROM job_responsibles r "
                "JOIN employees e ON e.id = r.employee_id ORDER BY e.email"
            ).fetchall()
        }
        own: dict[str, list[Plan]] = {}
        used: set[int] = set()
        # Names typed as ASCII: sshd's session has no locale set, so the app may not read
        # a UTF-8 "é" as one key. The search takes the first name, which must find one.
        interviewers = [
            e
            for e in staff
            if e.email not in responsible and e.email != ADMIN and e.calendar_id
            if e.name.isascii()
            if sum(first_name(e.name) in o.name.lower() for o in staff) == 1
        ]
        for email in sorted(responsible):
            user = find_employee_by_email(db, email)
            assert user is not None
            ws = Workspace(db, db_path, registry, SystemClock(), user)
            apps = list_applications(ws)
            names = [a.candidate_name for a in apps]
            for app in apps:
                if app.id in used or names.count(app.candidate_name) != 1:
                    continue
                if not app.candidate_name.isascii():
                    continue
                if app.stage in (Stage.HIRED, Stage.REJECTED):
                    continue
                choices = form_choices(ws, app.id)
                if choices.default_organiser_id != user.id:
                    continue
                types = [t.name for t in choices.types]
                if INTERVIEW_TYPE not in types:
                    continue
                used.add(app.id)
                guest = interviewers[len(used) % len(interviewers)]
                own.setdefault(email, []).append(
                    Plan(
                        email,
                        app.candidate_name,
                        app.id,
                        types.index(INTERVIEW_TYPE) + 1,
                        guest.name,
                        guest.email,
                    )
                )
    finally:
        db.close()
    # Interleave the employees: plan i is employee i's first application, and so on.
    ordered = [
        plans[i]
        for i in range(max(map(len, own.values())))
        for plans in own.values()
        if i < len(plans)
    ]
    assert len({p.email for p in ordered[:inviters]}) == min(inviters, len(own)), (
        "too few organisers"
    )
    return [ordered[i % len(ordered)] for i in range(sessions)]


# --------------------------------------------------------------------------- the host


@dataclass
class Host:
    folder: Path
    db: Path
    keys_file: Path
    config: Path
    port: int = 0
    user: str = field(default_factory=getpass.getuser)

    def panelist(self, *args: str) -> str:
        done = subprocess.run(
            [str(PANELIST), "--db", str(self.db), "--as", ADMIN, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PANELIST_CONFIG": str(self.config)},
        )
        if done.returncode != 0:
            raise RuntimeError(f"panelist {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def grant(self, index: int, email: str) -> Path:
        """A new key for `email`: one key per session, as each laptop has its own."""
        private = self.folder / "keys" / f"session-{index}"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"s{index}", "-f", str(private)],
            check=True,
        )
        self.panelist(
            "access", "grant", email, f"{private}.pub", "--authorized-keys", str(self.keys_file)
        )
        return private

    def ssh(self, key: Path) -> list[str]:
        return [
            SSH, "-tt", "-F", "/dev/null", "-i", str(key), "-p", str(self.port),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            f"{self.user}@127.0.0.1",
        ]  # fmt: skip


# --------------------------------------------------------------------------- a session


class Session:
    """`ssh -tt` in a pty; every byte it writes is kept, with the time of the last one."""

    def __init__(self, index: int, plan: Plan, argv: list[str]) -> None:
        self.index = index
        self.plan = plan
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self.pending = bytearray()
        """Output since the last `key`: what a wait looks for."""
        self.key_ms: list[float] = []
        self.key_ms_during_invites: list[float] = []
        self.unanswered = 0
        self.invite_s: float | None = None
        self.answer_s: float | None = None
        """ctrl+s until "Invited:" or a refusal: the commit-time re-check's answer."""
        self.refused: str | None = None
        self.error: str | None = None

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            raise RuntimeError(
                f"session {self.index} ended: {visible(bytes(self.output[-600:]))!r}"
            )
        self.output += chunk
        self.pending += chunk
        return True

    def drain(self) -> None:
        while self._read(0):
            pass

    def send(self, key: bytes) -> None:
        """Write a key; what the app wrote before it is no longer waited for."""
        self.drain()
        self.pending.clear()
        os.write(self.master, key)

    def wait_for(self, wanted: str | Callable[[str], bool], timeout: float = STEP_TIMEOUT_S) -> str:
        check = wanted if callable(wanted) else (lambda text: wanted in text)
        deadline = time.monotonic() + timeout
        while not check(shown := visible(bytes(self.pending))):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"session {self.index}: {wanted!r} never drawn; last: {shown[-300:]!r}"
                )
            self._read(min(left, 1.0))
        return shown

    def timed_key(self, key: bytes) -> float | None:
        """Milliseconds from writing `key` until the app's last byte for it."""
        self.send(key)
        started = time.perf_counter()
        if not self._read(KEY_TIMEOUT_S):
            self.unanswered += 1
            return None
        last = time.perf_counter()
        while self._read(QUIET_S):
            last = time.perf_counter()
        return (last - started) * 1000

    def settle(self, quiet: float = 1.0, limit: float = 30.0) -> None:
        """Read until the app has written nothing for `quiet` seconds (at most `limit`)."""
        deadline = time.monotonic() + limit
        while self._read(quiet) and time.monotonic() < deadline:
            pass

    def type_text(self, text: str) -> None:
        self.send(text.encode())


def close_all(sessions: list[Session]) -> None:
    """ctrl+q to every app, then a shared grace period, then kill what is left."""
    for s in sessions:
        with suppress(OSError):
            os.write(s.master, b"\x11")
    deadline = time.monotonic() + 20
    for s in sessions:
        try:
            s.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            s.process.kill()
            s.process.wait()
        os.close(s.master)


def open_find_a_time(s: Session) -> None:
    """The key sequence of tests/tui/test_tmux.py up to the week grid of Find a time."""
    p = s.plan
    s.wait_for("Candidate")
    s.settle()
    search(s, p.candidate)
    s.send(b"\x1b[B")
    time.sleep(0.1)
    s.send(b"\r")
    s.wait_for(lambda text: "Interviews (" in text and p.candidate in text)
    s.send(b"n")
    s.wait_for("New interview")
    s.send(b"\r")
    s.wait_for(INTERVIEW_TYPE)
    for _ in range(p.type_downs):
        s.send(b"\x1b[B")
        time.sleep(0.05)
    s.send(b"\r")
    # The form's row with the type chosen (the open list shows the name without "Type").
    s.wait_for(lambda text: CHOSEN_TYPE.search(text) is not None and "Video" in text)
    s.settle(0.5)  # the list closes and gives the focus back after a refresh
    add_participant(s, p)
    s.send(b"\r")
    s.wait_for("Interviewer")
    s.send(b"\x06")  # ctrl+f
    s.wait_for("Suggestions (n/p)")
    time.sleep(1.0)
    s.drain()


def add_participant(s: Session, p: Plan, tabs: int = 4) -> None:
    """Tab towards the participant search and type the interviewer's first name until the
    interviewer is offered. Where the focus lands after the type list closes varies (the
    organiser row may take it or not), so each miss empties what was typed and tabs on."""
    for _ in range(tabs):
        s.send(b"\t")
        s.settle(0.3)
        s.type_text(first_name(p.interviewer).capitalize())
        try:  # the name in the matches (the email may be cut short)
            s.wait_for(p.interviewer, PARTICIPANT_TIMEOUT_S)
            return
        except TimeoutError:
            s.send(b"\x15")  # ctrl+u: empty the box it went into
            s.settle(0.3)
    raise TimeoutError(f"session {s.index}: {p.interviewer} never offered")


def search(s: Session, candidate: str, attempts: int = 3) -> None:
    """Type the candidate's name into the list's search until one row is left. A key that
    typed before the app has moved the focus goes elsewhere: then empty it and type again."""
    for attempt in range(1, attempts + 1):
        s.send(b"/")  # focus the search box (typed into it if it has the focus already)
        s.settle(0.3)
        s.send(b"\x15")  # ctrl+u: empty the box
        time.sleep(0.1)
        s.type_text(candidate)
        try:
            s.wait_for(lambda text: ONE_APPLICATION.search(text) is not None, SEARCH_TIMEOUT_S)
            return
        except TimeoutError:
            if attempt == attempts:
                raise


def invite(s: Session, ahead: list[threading.Barrier]) -> None:
    """Jump to a suggestion, take it, and press ctrl+s with the other inviters."""
    s.send(b"n")
    s.wait_for("Suggestion ")
    s.send(b"\r")
    s.wait_for("Invite interviewers")
    time.sleep(0.5)
    ahead.pop(0).wait(timeout=STEP_TIMEOUT_S)  # the inviters together
    s.send(b"\x13")  # ctrl+s
    started = time.perf_counter()
    shown = s.wait_for(lambda text: any(w in text for w in ("Invited:", *REFUSED)), 120)
    s.answer_s = time.perf_counter() - started
    if "Invited:" in shown:
        s.invite_s = s.answer_s
    else:  # another inviter took the room or the video host first: the form says so
        s.refused = next(w for w in REFUSED if w in shown)


@dataclass
class Phases:
    ready: threading.Barrier
    moved: threading.Barrier
    inviters: threading.Barrier
    go: threading.Event = field(default_factory=threading.Event)
    """Set after the idle window: every session in the grid, nobody typing."""
    invites_done: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)


def run_session(s: Session, is_inviter: bool, moves: int, think: float, phases: Phases) -> None:
    """The session's script. A session that fails records why and still arrives at the
    barriers it has not passed, so that the others go on and the run reports it."""
    rng = random.Random(s.index)
    ahead = [phases.ready, phases.moved, *([phases.inviters] if is_inviter else [])]
    try:
        open_find_a_time(s)
        ahead.pop(0).wait()
        if not phases.go.wait(timeout=STEP_TIMEOUT_S):
            raise TimeoutError("never told to go")
        for i in range(moves):
            time.sleep(rng.uniform(0.5, 1.5) * think)
            if (ms := s.timed_key(KEYS[i % len(KEYS)])) is not None:
                s.key_ms.append(ms)
        ahead.pop(0).wait()
        if is_inviter:
            invite(s, ahead)
        else:
            for i in range(4 * moves):  # bounded: keep typing while the invites run
                if phases.invites_done.is_set() or phases.stop.is_set():
                    break
                time.sleep(rng.uniform(0.5, 1.5) * think)
                if (ms := s.timed_key(KEYS[i % len(KEYS)])) is not None:
                    s.key_ms_during_invites.append(ms)
    except (TimeoutError, RuntimeError, threading.BrokenBarrierError, OSError) as exc:
        s.error = str(exc)
        for barrier in ahead:
            with suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=STEP_TIMEOUT_S * 4)
    finally:
        with suppress(RuntimeError, OSError):
            s.drain()


# --------------------------------------------------------------------------- measuring


def session_processes(config: Path) -> list[int]:
    """The pids of `panelist ssh-session --config CONFIG` (the forced command)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ssh-session" in argv and str(config).encode() in argv and b"-c" not in argv:
            found.append(int(entry.name))
    return found


def sshd_session_processes(sshd_pid: int) -> list[int]:
    """The per-login sshd processes under our sshd (not other sshds on the host)."""
    parent: dict[int, int] = {}
    name: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
            except OSError:
                continue
            parent[int(entry.name)] = int(tail.split()[1])
            name[int(entry.name)] = head.split("(", 1)[1]
    found, frontier = [], [sshd_pid]
    while frontier:
        children = [pid for pid, ppid in parent.items() if ppid in frontier]
        found += [pid for pid in children if name[pid].startswith("sshd")]
        frontier = children
    return found


def memory_mb(pid: int, field_name: str) -> float:
    """VmRSS from status, or Pss from smaps_rollup, in MB (0 if the process is gone)."""
    source = "status" if field_name == "VmRSS" else "smaps_rollup"
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuWindow:
    """CPU used from now until `ended()`: by the session apps, and by the whole host (the
    machine is shared, so the host figure includes whatever else runs)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.wall = time.perf_counter()
        self.apps = sum(map(cpu_seconds, pids))
        self.host = cpu_busy()

    def ended(self) -> dict[str, float]:
        wall = time.perf_counter() - self.wall
        apps = sum(map(cpu_seconds, self.pids)) - self.apps
        busy, total = (after - before for after, before in zip(cpu_busy(), self.host, strict=True))
        cores = os.cpu_count() or 1
        return {
            "apps_pct_of_host": round(100 * apps / (wall * cores), 1),
            "app_pct_of_core_per_session": round(100 * apps / wall / max(1, len(self.pids)), 2),
            "host_busy_pct": round(100 * busy / total, 1) if total else 0.0,
        }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def interviews_per_application(db: Path, application_ids: list[int]) -> dict[int, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        marks = ",".join("?" * len(application_ids))
        rows = con.execute(
            f"SELECT application_id, count(*) FROM interviews WHERE application_id IN ({marks}) "
            "GROUP BY application_id",
            application_ids,
        ).fetchall()
    return {app: dict(rows).get(app, 0) for app in application_ids}


# --------------------------------------------------------------------------- main


def run(args: argparse.Namespace, folder: Path) -> dict[str, object]:
    host = Host(folder, folder / "panelist.db", folder / "authorized_keys", folder / "config.toml")
    (folder / "keys").mkdir()
    subprocess.run(
        [str(PANELIST), "demo", "--no-tui", "--db", str(host.db)], check=True, capture_output=True
    )
    plans = make_plans(host.db, args.sessions, args.inviters)
    keys = [host.grant(i, plan.email) for i, plan in enumerate(plans)]
    inviter_apps = [p.application_id for p in plans[: args.inviters]]
    before = interviews_per_application(host.db, inviter_apps)
    sessions: list[Session] = []
    # The default MaxStartups (10:30:100) drops logins beyond 10 unauthenticated at once.
    with LoopbackSshd(
        folder, host.keys_file, host.user, max_startups=200, log_level="INFO"
    ) as sshd:
        host.port = sshd.port
        sshd_pid = int(sshd.pid_file.read_text())
        phases = Phases(
            threading.Barrier(args.sessions + 1),
            threading.Barrier(args.sessions),
            threading.Barrier(args.inviters),
        )
        threads = []
        try:
            started = time.perf_counter()
            for i, (plan, key) in enumerate(zip(plans, keys, strict=True)):
                session = Session(i, plan, host.ssh(key))
                sessions.append(session)
                thread = threading.Thread(
                    target=run_session,
                    args=(session, i < args.inviters, args.moves, args.think, phases),
                    daemon=True,
                )
                thread.start()
                threads.append(thread)
                time.sleep(LOGIN_GAP_S)
            phases.ready.wait(timeout=STEP_TIMEOUT_S * 4)
            all_in_grid_s = time.perf_counter() - started
            app_pids = session_processes(host.config)
            rss = [memory_mb(pid, "VmRSS") for pid in app_pids]
            pss = [memory_mb(pid, "Pss") for pid in app_pids]
            sshd_rss = [memory_mb(pid, "VmRSS") for pid in sshd_session_processes(sshd_pid)]
            idle = CpuWindow(app_pids)
            time.sleep(IDLE_WINDOW_S)
            idle_cpu = idle.ended()
            moving = CpuWindow(app_pids)
            phases.go.set()
            for thread in threads:
                thread.join(timeout=STEP_TIMEOUT_S * 4)
                if thread.is_alive():
                    break
                if not any(t.is_alive() for t in threads[: args.inviters]):
                    phases.invites_done.set()
            moves_cpu = moving.ended()
            cpu_s = [cpu_seconds(pid) for pid in app_pids]
        except threading.BrokenBarrierError:
            raise RuntimeError(
                "a session failed: " + "; ".join(s.error for s in sessions if s.error)
            ) from None
        finally:
            phases.stop.set()
            phases.go.set()
            phases.invites_done.set()
            close_all(sessions)
            for session in sessions:  # for a look with --keep
                (folder / f"session-{session.index}.out").write_bytes(bytes(session.output))
    after = interviews_per_application(host.db, inviter_apps)
    created = {app: after[app] - before[app] for app in inviter_apps}
    invites = [s.invite_s for s in sessions[: args.inviters] if s.invite_s is not None]
    answers = [s.answer_s for s in sessions if s.answer_s is not None]
    keys_ms = [ms for s in sessions for ms in s.key_ms]
    during = [ms for s in sessions for ms in s.key_ms_during_invites]
    locked = sum(any(w in visible(bytes(s.output)).lower() for w in LOCKED) for s in sessions)
    return {
        "sessions": args.sessions,
        "employees": len({p.email for p in plans}),
        "key_p50_ms": round(statistics.median(keys_ms), 1) if keys_ms else None,
        "key_p95_ms": round(percentile(keys_ms, 0.95), 1) if keys_ms else None,
        "key_max_ms": round(max(keys_ms), 1) if keys_ms else None,
        "keys": len(keys_ms),
        "keys_unanswered": sum(s.unanswered for s in sessions),
        "key_p95_during_invites_ms": round(percentile(during, 0.95), 1) if during else None,
        "keys_during_invites": len(during),
        "invites": args.inviters,
        "invites_ok": len(invites),
        "invite_p50_s": round(statistics.median(invites), 3) if invites else None,
        "invite_p95_s": round(percentile(invites, 0.95), 3) if invites else None,
        "invites_refused": sum(s.refused is not None for s in sessions),
        "refusals": sorted({s.refused for s in sessions if s.refused}),
        "answer_p95_s": round(percentile(answers, 0.95), 3) if answers else None,
        "interviews_created": sum(created.values()),
        # Confirmed on screen, yet not in the database.
        "lost": sum(
            created[s.plan.application_id] == 0
            for s in sessions[: args.inviters]
            if s.invite_s is not None
        ),
        "duplicated": sum(max(0, n - 1) for n in created.values()),
        "locked_errors": locked,
        "session_errors": sum(s.error is not None for s in sessions),
        "rss_mb_per_session": round(statistics.mean(rss), 1) if rss else None,
        "pss_mb_per_session": round(statistics.mean(pss), 1) if pss else None,
        "sshd_rss_mb_per_session": round(sum(sshd_rss) / args.sessions, 1),
        "app_processes": len(app_pids),
        "all_in_grid_s": round(all_in_grid_s, 1),
        "cpu_idle": idle_cpu,
        "cpu_moving": moves_cpu,
        "cpu_s_per_session": round(statistics.mean(cpu_s), 2) if cpu_s else None,
        "think_s": args.think,
        "moves": args.moves,
        "cores": os.cpu_count(),
        "terminal": f"{SIZE[0]}x{SIZE[1]}",
        "errors": [s.error for s in sessions if s.error][:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--inviters", type=int, default=10)
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.5, help="seconds between keys (mean)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not 0 < args.inviters <= args.sessions:
        parser.error("--inviters must be between 1 and --sessions")
    if not SSHD.exists():
        sys.exit("sshd is needed (make system-deps: openssh-server)")
    folder = Path(tempfile.mkdtemp(prefix="panelist-ssh-bench-"))
    # Ctrl-C or a kill: unwind through the finally blocks (sshd stopped, folder removed).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        figures = run(args, folder)
    finally:
        if args.keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
