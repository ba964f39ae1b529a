"""The ``panelist`` command line (click).

Core builds the command group; the TUI package supplies the function that
opens the full-screen app (`build_cli(open_ui=...)`), so core never imports
Textual. Every PanelistError becomes one line on stderr and exit status 1.
Everything printed goes through `say` (or the logging formatter), which removes
control characters a name or a server's message may carry (`panelist.text`).
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from panelist import __version__
from panelist.audit import Actor
from panelist.clock import SystemClock
from panelist.config import config_path, load_config
from panelist.errors import ConfigurationError, PanelistError, PermissionDenied
from panelist.importer import KINDS, import_file
from panelist.permissions import Right, require
from panelist.plugins import load_registry, register_commands
from panelist.secrets import env_name, get_secret
from panelist.services.directory import provider_settings
from panelist.storage.database import open_database, resolve_db_path
from panelist.text import printable
from panelist.workspace import (
    Workspace,
    forget_client_environment,
    identify,
    open_session_workspace,
    open_system_workspace,
    open_workspace,
    record_ssh_session,
)

OpenUI = Callable[[Workspace], None]
Serve = Callable[[Path | str | None, str, int], None]
"""Serves the candidates' scheduling page: (database, host, port); the web package's."""


class _Group(click.Group):
    """Turns PanelistError into one readable line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PanelistError as exc:
            raise click.ClickException(printable(str(exc), multiline=True)) from None


def say(text: str, *, err: bool = False) -> None:
    """Print `text` (data in it included) with no control character to act on the terminal."""
    click.echo(printable(text, multiline=True), err=err)


def connect_group(cli: click.Group) -> click.Group:
    """``panelist connect``, the group under which plugins add ``connect <provider>``."""
    connect = cli.commands.get("connect")
    if not isinstance(connect, click.Group):
        connect = click.Group("connect", help="Connect Panelist to a provider's accounts.")
        cli.add_command(connect)
    return connect


def db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--db``, for core's commands and plugins' alike."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Database file (default: $PANELIST_DB, the config file, or the user data dir).",
    )(fn)


def as_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--as``, for core's commands and plugins' alike."""
    return click.option(
        "--as", "as_email", metavar="EMAIL", help="Act as this employee (default: config/OS user)."
    )(fn)


def _system_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--system",
        is_flag=True,
        help="Run for every interview as the system (for cron), not as one employee.",
    )(fn)


def _duty_workspace(
    ctx: click.Context, db_path: Path | None, as_email: str | None, system_duty: str | None
) -> Workspace:
    """The system workspace when --system names the duty, else the user's (whose duties
    cover only the interviews they may schedule for)."""
    if system_duty is None:
        return user_workspace(ctx, db_path, as_email)
    if _pick_as(ctx, as_email):
        raise click.UsageError("--system runs as no employee; leave out --as")
    return open_system_workspace(system_duty, _pick_db(ctx, db_path))


def _pick_db(ctx: click.Context, db_path: Path | None) -> Path | None:
    """A sub-command's --db wins over the group's."""
    return db_path or (ctx.obj or {}).get("db_path")


def _pick_as(ctx: click.Context, as_email: str | None) -> str | None:
    """A sub-command's --as wins over the group's."""
    return as_email or (ctx.obj or {}).get("as_email")


def user_workspace(ctx: click.Context, db_path: Path | None, as_email: str | None) -> Workspace:
    """The workspace of the person a sub-command runs as (plugins' commands use it too)."""
    return open_workspace(_pick_db(ctx, db_path), _pick_as(ctx, as_email))


def given_secret(
    provider_id: str, name: str, label: str, *, from_stdin: bool, ask: bool = True
) -> str | None:
    """A secret for ``panelist connect …``: read from standard input (scripts), else asked
    without echo; None when not asked for (`ask`) or the environment or keyring has one."""
    if from_stdin:
        # sys.stdin itself: a prompt read later (a pasted address) reads the same pipe, and
        # a second reader over it would buffer that line away.
        typed = sys.stdin.readline().strip()
    elif not ask or get_secret(provider_id, name):
        return None
    else:
        typed = str(click.prompt(label, hide_input=True)).strip()
    if not typed:
        where = env_name(provider_id, name)
        raise ConfigurationError(f"no {label.lower()} given (type it, or set {where})")
    return typed


def build_cli(open_ui: OpenUI | None = None, serve: Serve | None = None) -> click.Group:
    @click.group(cls=_Group, invoke_without_command=True)
    @click.version_option(__version__, prog_name="panelist")
    @db_option
    @as_option
    @click.pass_context
    def cli(ctx: click.Context, db_path: Path | None, as_email: str | None) -> None:
        """Schedule job interviews against real calendars. Without a command: open the app."""
        ctx.obj = {"db_path": db_path, "as_email": as_email}
        if ctx.invoked_subcommand is None:
            _launch(open_ui, open_workspace(db_path, as_email, first_run=True))

    @cli.command()
    @db_option
    @click.option("--no-tui", is_flag=True, help="Only create the database; do not open the app.")
    @click.option("--force", is_flag=True, help="Replace a database that is not a demo one.")
    @click.pass_context
    def demo(ctx: click.Context, db_path: Path | None, no_tui: bool, force: bool) -> None:
        """Create (or reset) the demo company, then open the app on it."""
        path = resolve_db_path(_pick_db(ctx, db_path) or load_config().db)
        summary = create_demo_database(path, force=force)
        say(f"Demo company written to {path}: {summary}")
        if not no_tui:
            _launch(open_ui, open_workspace(path, (ctx.obj or {}).get("as_email")))

    @cli.command()
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def plugins(as_json: bool) -> None:
        """List installed plugins, their versions and the providers they register."""
        registry = load_registry()
        if as_json:
            say(json.dumps([_plugin_json(p) for p in registry.plugins], indent=2))
            return
        for p in registry.plugins:
            state = f"FAILED: {p.error}" if p.error else ", ".join(p.providers) or "no providers"
            say(f"{p.name:<12} {p.version:<10} {state}")

    @cli.command(name="import")
    @click.argument("kind", type=click.Choice(KINDS))
    @click.argument("file", type=click.Path(path_type=Path))
    @db_option
    @as_option
    @click.pass_context
    def import_(
        ctx: click.Context, kind: str, file: Path, db_path: Path | None, as_email: str | None
    ) -> None:
        """Import employees, rooms, jobs or applications from CSV or JSON (all or nothing)."""
        registry = load_registry()
        path = resolve_db_path(_pick_db(ctx, db_path) or load_config().db)
        db = open_database(path, registry.migrations)
        try:
            actor = _importer(db, _pick_as(ctx, as_email))
            result = import_file(
                db,
                kind,
                file,
                frozenset(registry.calendar_providers),
                date.today(),
                check_calendar_id=lambda provider, calendar_id: registry.calendar_id_problem(
                    provider, provider_settings(db, provider), calendar_id
                ),
                actor=actor,
            )
        finally:
            db.close()
        unchanged = f", {result.unchanged} unchanged" if result.unchanged else ""
        say(f"{kind}: {result.created} created, {result.updated} updated{unchanged}")

    @cli.group()
    def reminders() -> None:
        """Evaluation reminders to interviewers."""

    @reminders.command(name="run")
    @db_option
    @as_option
    @_system_option
    @click.pass_context
    def reminders_run(
        ctx: click.Context, db_path: Path | None, as_email: str | None, system: bool
    ) -> None:
        """Send the reminders that are due and close interviews that have ended.

        Safe to run from cron and beside an open app: no reminder is sent twice.
        """
        import asyncio

        from panelist.mail.transport import transport_from_settings
        from panelist.scheduling import SchedulingService, run_due_reminders

        ws = _duty_workspace(ctx, db_path, as_email, "reminders run" if system else None)
        try:
            closed = SchedulingService(ws).close_finished()
            done = asyncio.run(run_due_reminders(ws, transport_from_settings(ws.db)))
        finally:
            ws.close()
        say(f"{done.queued} reminders due, {closed} interviews closed")
        _report_unsent(ctx, done.problems)

    @cli.command()
    @db_option
    @as_option
    @_system_option
    @click.pass_context
    def resume(
        ctx: click.Context, db_path: Path | None, as_email: str | None, system: bool
    ) -> None:
        """Finish calendar, meeting and mail work an earlier run left (a crash, an outage)."""
        import asyncio

        from panelist.mail.transport import transport_from_settings
        from panelist.scheduling import SchedulingService

        ws = _duty_workspace(ctx, db_path, as_email, "resume" if system else None)
        try:
            service = SchedulingService(ws, transport_from_settings(ws.db))
            report = asyncio.run(service.resume_pending())
        finally:
            ws.close()
        say(f"{report.interviews} interviews had work left")
        _report_unsent(ctx, [p for found in report.problems.values() for p in found])

    @cli.command(name="audit")
    @click.option(
        "--since",
        metavar="DATE|DURATION",
        help="Only what happened since then: 2026-12-01, 2026-12-01T09:00, 30m, 12h, 7d, 2w.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @db_option
    @as_option
    @click.pass_context
    def audit_(
        ctx: click.Context,
        since: str | None,
        as_json: bool,
        db_path: Path | None,
        as_email: str | None,
    ) -> None:
        """Who did what and when, newest first (Admins only)."""
        from panelist.services.audit import list_audit, parse_since

        ws = user_workspace(ctx, db_path, as_email)
        try:
            start = None
            if since is not None:
                start = parse_since(since, ws.clock.now(), ws.user.timezone)
            entries = list_audit(ws, start)
        finally:
            ws.close()
        if as_json:
            say(json.dumps([entry.to_json() for entry in entries], indent=2, ensure_ascii=False))
            return
        for entry in entries:
            when = entry.at.strftime("%Y-%m-%d %H:%M:%S UTC")
            detail = f"  {entry.detail}" if entry.detail else ""
            say(f"{when}  {entry.who}  {entry.action}  {entry.subject}{detail}")

    @cli.command()
    @db_option
    @click.option(
        "--once", is_flag=True, help="Run one round, then exit (status 1 if work is left)."
    )
    @click.option(
        "--interval",
        type=click.FloatRange(min=1, max=3600),
        default=60,
        show_default=True,
        help="Seconds between rounds.",
    )
    @click.pass_context
    def worker(ctx: click.Context, db_path: Path | None, once: bool, interval: float) -> None:
        """Run the database's background duties (close ended interviews, read answers back,
        remind, sync every mapped calendar) in one place for the host, instead of the first
        open app.

        One per database; stays in the foreground for systemd; SIGTERM ends it cleanly.
        """
        from panelist.worker import run_worker

        path = _pick_db(ctx, db_path) or load_config().db
        problems = run_worker(
            path, once=once, interval=interval, log=lambda line: say(line, err=True)
        )
        if once and problems:
            ctx.exit(1)

    @cli.command(name="serve")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option(
        "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port."
    )
    @db_option
    @click.pass_context
    def serve_(ctx: click.Context, host: str, port: int, db_path: Path | None) -> None:
        """Serve the candidates' scheduling links: the page behind {application_base_url}/s/…

        Put it behind a TLS proxy that forwards that base URL here; Ctrl+C or SIGTERM stops it.
        """
        if serve is None:
            raise ConfigurationError("the web page is not installed (panelist_web missing)")
        serve(_pick_db(ctx, db_path) or load_config().db, host, port)

    _add_ssh_commands(cli, open_ui)
    _add_calendar_commands(cli)
    register_commands(cli)
    return cli


SSH_COMMANDS = {("plugins",): "plugins", ("version",): "version", ("--version",): "version"}
"""What a client may ask a forced-command session for (``ssh panelist@host plugins``)."""


def _add_ssh_commands(cli: click.Group, open_ui: OpenUI | None) -> None:
    @cli.command(name="ssh-session")
    @click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The service account's config file (default: its own, whatever PANELIST_CONFIG says).",
    )
    @click.argument("key_id")
    @click.pass_context
    def ssh_session(ctx: click.Context, config_file: Path | None, key_id: str) -> None:
        """The forced command `panelist access grant` writes into authorized_keys: open the app
        as the employee the key KEY-ID was granted to. What the client asked for
        ($SSH_ORIGINAL_COMMAND) may only pick `plugins` or `version`; nothing else runs."""
        ws = open_session_workspace(key_id, config_file)
        original = os.environ.get("SSH_ORIGINAL_COMMAND")
        try:
            wanted = _ssh_request(original)
        except PanelistError:
            record_ssh_session(ws, key_id, f"asked for {original!r}, refused")
            ws.close()
            raise
        record_ssh_session(ws, key_id, "opened the app" if wanted == "app" else f"ran {wanted}")
        if wanted == "app":
            _launch(open_ui, ws)
            return
        ws.close()
        if wanted == "version":
            say(f"panelist, version {__version__}")
        else:
            ctx.invoke(cli.commands["plugins"], as_json=False)

    @cli.group()
    def access() -> None:
        """Who may open Panelist over SSH: one public key per line of authorized_keys."""

    @access.command(name="grant")
    @click.argument("email")
    @click.argument("keyfile", type=click.Path(dir_okay=False, path_type=Path))
    @_keys_file_option
    @db_option
    @as_option
    @click.pass_context
    def access_grant(
        ctx: click.Context,
        email: str,
        keyfile: Path,
        keys_file: Path | None,
        db_path: Path | None,
        as_email: str | None,
    ) -> None:
        """Let the public key in KEYFILE open the app as the employee EMAIL over SSH."""
        from panelist.services.access import grant_key, read_public_key

        try:
            text = keyfile.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"cannot read {keyfile}: {_reason(exc)}") from None
        key = read_public_key(text, str(keyfile))
        ws = user_workspace(ctx, db_path, as_email)
        try:
            target = _authorized_keys(keys_file)
            granted = grant_key(ws, email, key, target, _session_command(ws))
        finally:
            ws.close()
        say(f"{granted.key_id}: {granted.email} ({granted.fingerprint}) may log in; {target}")

    @access.command(name="revoke")
    @click.argument("who", metavar="EMAIL|KEY-ID")
    @_keys_file_option
    @db_option
    @as_option
    @click.pass_context
    def access_revoke(
        ctx: click.Context,
        who: str,
        keys_file: Path | None,
        db_path: Path | None,
        as_email: str | None,
    ) -> None:
        """Revoke one key, or every key of an employee: their next session is refused."""
        from panelist.services.access import revoke_keys

        ws = user_workspace(ctx, db_path, as_email)
        try:
            target = _authorized_keys(keys_file)
            revoked = revoke_keys(ws, who, target, _session_command(ws))
        finally:
            ws.close()
        for key in revoked:
            say(f"{key.key_id}: revoked ({key.email}, {key.fingerprint})")

    @access.command(name="list")
    @_keys_file_option
    @db_option
    @as_option
    @click.pass_context
    def access_list(
        ctx: click.Context, keys_file: Path | None, db_path: Path | None, as_email: str | None
    ) -> None:
        """Every key granted (and revoked), and lines of authorized_keys the database denies."""
        from panelist.services.access import list_access

        ws = user_workspace(ctx, db_path, as_email)
        try:
            found = list_access(ws, _authorized_keys(keys_file))
        finally:
            ws.close()
        for key in found.keys:
            state = f"revoked {key.revoked_at}" if key.revoked_at else "live"
            say(f"{key.key_id:<24} {key.email:<32} {key.fingerprint} {state}")
        for problem in found.problems:
            say(f"panelist: {problem}", err=True)
        if found.problems:
            ctx.exit(1)


def _add_calendar_commands(cli: click.Group) -> None:
    @cli.command()
    @click.option(
        "--calendar",
        "wanted",
        multiple=True,
        metavar="KEY",
        help="Only this calendar: provider:calendar_id, an employee's email or a room's name "
        "(repeatable). Default: every mapped calendar.",
    )
    @click.option("--full", is_flag=True, help="Fetch everything again instead of the changes.")
    @click.option(
        "--watch",
        is_flag=True,
        help="Sync again every calendar_freshness_seconds until SIGTERM or Ctrl+C.",
    )
    @db_option
    @as_option
    @_system_option
    @click.pass_context
    def sync(
        ctx: click.Context,
        wanted: tuple[str, ...],
        full: bool,
        watch: bool,
        db_path: Path | None,
        as_email: str | None,
        system: bool,
    ) -> None:
        """Bring the local copy of the employees' and rooms' calendars up to date.

        For cron (--system) and the host; exit status 1 when a calendar could not be synced.
        """
        import asyncio

        from panelist.errors import NotFound
        from panelist.sync_command import calendar_keys, on_terminal, sync_round
        from panelist.sync_command import watch as watch_rounds

        ws = _duty_workspace(ctx, db_path, as_email, "sync" if system else None)
        try:
            try:
                keys = calendar_keys(ws.db, wanted) if wanted else None
            except NotFound as unknown:
                say(f"panelist: {unknown}", err=True)
                ctx.exit(2)
            tty = on_terminal()
            if watch:
                asyncio.run(watch_rounds(ws, keys, full=full, say=say, tty=tty))
                return
            result = asyncio.run(sync_round(ws, keys, full=full, say=say, tty=tty))
        finally:
            ws.close()
        say(result.summary())
        for report in result.failed:
            say(f"panelist: {report.owner}'s calendar was not synced: {report.error}", err=True)
        if result.failed:
            ctx.exit(1)

    @cli.command()
    @db_option
    @click.pass_context
    def doctor(ctx: click.Context, db_path: Path | None) -> None:
        """Check the database, mail and every calendar and video provider in use, each
        mapped calendar included; exit status 1 when anything failed."""
        import asyncio

        from panelist.doctor import run_doctor, verdict

        path = resolve_db_path(_pick_db(ctx, db_path) or load_config().db)
        if not path.exists():
            raise ConfigurationError(f"no Panelist database at {path}")
        ws = open_system_workspace("doctor", path)
        try:
            lines = asyncio.run(run_doctor(ws))
        finally:
            ws.close()
        for line in lines:
            say(line.text())  # names and server messages in it may hold control characters
        say(verdict(lines))
        if any(line.status == "fail" for line in lines):
            ctx.exit(1)


def _keys_file_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--authorized-keys",
        "keys_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The file sshd reads (default: authorized_keys in the config, else "
        "~/.ssh/authorized_keys of this account).",
    )(fn)


def _authorized_keys(explicit: Path | None) -> Path:
    configured = load_config().authorized_keys
    return (explicit or Path(configured or "~/.ssh/authorized_keys")).expanduser().absolute()


def _session_command(ws: Workspace) -> list[str]:
    """The forced command before its KEY-ID: this panelist, on this database, through the
    account's config file that names it (written, for an Admin, when there is none)."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    config = config_path().absolute()
    database = ws.db_path.absolute()
    named = load_config(config).db
    if named is not None and resolve_db_path(named).absolute() == database:
        return _forced_command(config)
    setting = f"db = {json.dumps(str(database))}"
    if named is not None:
        raise ConfigurationError(
            f"{config} names another database ({named}); SSH sessions open that one: grant "
            f"keys on it, or set {setting} there"
        )
    if config.exists():
        raise ConfigurationError(f"{config} names no database; add the line {setting}")
    try:
        config.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with os.fdopen(os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(f"{setting}\n")
    except OSError as exc:
        raise ConfigurationError(f"cannot write {config}: {_reason(exc)}") from None
    return _forced_command(config)


def _forced_command(config: Path) -> list[str]:
    return [str(_panelist_executable()), "ssh-session", "--config", str(config)]


def _panelist_executable() -> Path:
    beside = Path(sys.executable).with_name("panelist")
    return beside if beside.exists() else Path(sys.argv[0]).absolute()


def _ssh_request(original: str | None) -> str:
    """ "app", or the allowed sub-command the client named; anything else is refused."""
    if not original or not original.strip():
        return "app"
    try:
        words = tuple(shlex.split(original))
    except ValueError:  # an unbalanced quote: nothing we offer
        words = ("?",)
    if words[:1] == ("panelist",):
        words = words[1:]
    if not words:
        return "app"
    if words in SSH_COMMANDS:
        return SSH_COMMANDS[words]
    allowed = ", ".join(sorted(set(SSH_COMMANDS.values())))
    raise PermissionDenied(
        f"over SSH this key opens the app, or runs {allowed}; nothing else "
        f"(asked for: {printable(original)[:60]})"
    )


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _report_unsent(ctx: click.Context, problems: Sequence[str]) -> None:
    """What is still in the outbox: one line each on stderr, and exit status 1 for cron."""
    for problem in problems:
        say(f"panelist: left for later: {problem}", err=True)
    if problems:
        ctx.exit(1)


def _plugin_json(status: Any) -> dict[str, Any]:
    return {
        "name": status.name,
        "version": status.version,
        "providers": status.providers,
        "ok": status.ok,
        "error": status.error,
    }


def _importer(db: Any, as_email: str | None) -> Actor:
    """Who imports. Importing needs the Configure right, except into a company with no
    employees yet (then the OS account is who the audit log names)."""
    if db.execute("SELECT count(*) FROM employees").fetchone()[0] == 0:
        return Actor.os_account(getpass.getuser())
    user = identify(db, as_email, load_config(), SystemClock())
    require(db, user.id, Right.CONFIGURE)
    return Actor.employee(user)


def _launch(open_ui: OpenUI | None, workspace: Workspace) -> None:
    if open_ui is None:
        workspace.close()
        raise ConfigurationError("the terminal app is not installed (panelist_tui missing)")
    try:
        open_ui(workspace)
    finally:
        workspace.close()


def create_demo_database(path: Path, force: bool = False) -> str:
    """Build the demo company in a temporary file and move it into place atomically.

    Nothing half-written can be left behind: the old database stays as it was
    until the new one is complete.
    """
    from panelist.demo import build_demo_company
    from panelist.services.directory import get_setting

    registry = load_registry()
    if path.exists() and not force:
        existing = open_database(path, registry.migrations)
        try:
            if not get_setting(existing, "demo"):
                raise ConfigurationError(
                    f"{path} holds a company that is not the demo; use --force to replace it"
                )
        finally:
            existing.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".panelist-demo-", suffix=".db", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        db = open_database(tmp, registry.migrations)
        try:
            summary = build_demo_company(db, registry, SystemClock(), os_user=getpass.getuser())
            with db.ensure_autocommit_on():
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
    return str(summary)


class _PrintableFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), multiline=True)


def _configure_logging() -> None:
    """Warnings (a skipped plugin, say) as one line each on stderr, no traceback.

    Libraries' own records (azure-identity logs every failed sign-in with the server's
    whole answer) are not printed: Panelist reports what failed itself, in one line."""
    logging.getLogger().addHandler(logging.NullHandler())
    handler = logging.StreamHandler()
    handler.setFormatter(_PrintableFormatter("panelist: %(message)s"))
    logger = logging.getLogger("panelist")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def main(open_ui: OpenUI | None = None, serve: Serve | None = None) -> None:
    """Entry point; the installed ``panelist`` script calls it with the TUI's launcher and
    the web page's server."""
    _configure_logging()
    if sys.argv[1:2] == ["ssh-session"]:
        # The forced command: what the SSH client sent goes before the plugins load
        # (PANELIST_PLUGINS picks them); open_session_workspace drops it again.
        forget_client_environment()
    build_cli(open_ui, serve)(prog_name="panelist")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
