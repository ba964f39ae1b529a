"""A Workspace is one user's session on one database: what every service call receives.

The user is an employee, or the `SystemActor` that only the duty commands cron runs
(`panelist reminders run`, `panelist resume`) create with `open_system_workspace`. It is
never inferred from a missing user: a system workspace has no `user`, so every check
that asks for one refuses, and only the duties that accept the system actor run.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from panelist import audit
from panelist.clock import Clock, SystemClock
from panelist.config import Config, default_config_path, load_config
from panelist.errors import ConfigurationError, PermissionDenied
from panelist.models import Employee
from panelist.permissions import admins
from panelist.plugins import PluginRegistry, load_registry
from panelist.providers import CalendarProvider, ConferenceProvider, ProviderContext
from panelist.services.directory import (
    find_employee_by_email,
    find_employee_by_os_user,
    get_setting,
    provider_settings,
)
from panelist.storage.database import (
    default_db_path,
    open_database,
    refuse_shared_writes,
    resolve_db_path,
)

USER_ENV = "PANELIST_USER"
CLIENT_ENV_PREFIXES = ("PANELIST_", "TEXTUAL_")
"""What an SSH session drops from its environment before anything reads it."""


@dataclass(frozen=True)
class SystemActor:
    """Who acts when cron runs a company-wide duty: no employee, no rights of its own."""

    duty: str
    """The command that runs, e.g. "reminders run"; named in logs and outbox rows."""

    def __str__(self) -> str:
        return f"system ({self.duty})"


@dataclass
class Workspace:
    db: Database
    db_path: Path
    registry: PluginRegistry
    clock: Clock
    actor: Employee | SystemActor
    _providers: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def user(self) -> Employee:
        """The employee acting; a system workspace has none, so rights checks refuse."""
        if isinstance(self.actor, SystemActor):
            raise PermissionDenied(f"{self.actor} may only run its duty, not act for a person")
        return self.actor

    @property
    def system(self) -> SystemActor | None:
        return self.actor if isinstance(self.actor, SystemActor) else None

    @property
    def actor_label(self) -> str:
        """Who did it, for log lines and outbox rows: "employee 7" or "system (resume)"."""
        return str(self.actor) if self.system else f"employee {self.user.id}"

    def provider_context(self, provider_id: str) -> ProviderContext:
        return ProviderContext(
            database=self.db, clock=self.clock, settings=provider_settings(self.db, provider_id)
        )

    def calendar_provider(self, provider_id: str) -> CalendarProvider:
        """One instance per provider id and workspace, created on first use."""
        provider: CalendarProvider = self._instance(
            "calendar", provider_id, self.registry.calendar_provider
        )
        return provider

    def conference_provider(self, provider_id: str) -> ConferenceProvider:
        provider: ConferenceProvider = self._instance(
            "conference", provider_id, self.registry.conference_provider
        )
        return provider

    def _instance(self, kind: str, provider_id: str, lookup: Callable[[str], type[Any]]) -> Any:
        if (kind, provider_id) not in self._providers:
            provider_class = lookup(provider_id)
            settings_id = provider_class.settings_id or provider_id
            self._providers[kind, provider_id] = provider_class(self.provider_context(settings_id))
        return self._providers[kind, provider_id]

    def close(self) -> None:
        self.db.close()


def resolve_user(db: Database, as_email: str | None, config: Config) -> Employee:
    """`--as EMAIL`, then ``PANELIST_USER``, then the config file, then the OS account.

    `--as` and ``PANELIST_USER`` name someone else, so they count only for an Admin's OS
    account or in a demo database (`may_name_another`); the config file is the account's own.
    """
    os_user = getpass.getuser()
    own = find_employee_by_os_user(db, os_user)
    for source, email in (
        ("--as", as_email),
        (USER_ENV, os.environ.get(USER_ENV)),
        ("the config file", config.user),
    ):
        if email:
            if source != "the config file":
                may_name_another(db, source, email, os_user, own)
            employee = find_employee_by_email(db, email)
            if employee is None:
                raise ConfigurationError(f"{source} names {email}, who is not an employee")
            return employee
    if own is None:
        raise ConfigurationError(
            f"the OS account {os_user!r} is not mapped to an employee; "
            "run with --as EMAIL or set user in the config file"
        )
    return own


def may_name_another(
    db: Database, source: str, email: str, os_user: str, own: Employee | None
) -> None:
    """Refuse `source` naming someone other than the OS account's own employee, unless that
    employee is an Admin (who may act for anyone anyway) or the company is the demo."""
    if own is not None and own.email.casefold() == email.strip().casefold():
        return
    if get_setting(db, "demo"):
        return
    if own is not None and own.id in admins(db):
        return
    mapped = f"is mapped to {own.email}, not an Admin" if own else "is not mapped to an employee"
    raise PermissionDenied(
        f"{source} is honoured only for an Admin's OS account or a demo database; "
        f"the OS account {os_user!r} {mapped}"
    )


def identify(db: Database, as_email: str | None, config: Config, clock: Clock) -> Employee:
    """`resolve_user`, writing an identity switch to the audit log when `--as` or
    ``PANELIST_USER`` picks someone other than the employee the OS account maps to."""
    user = resolve_user(db, as_email, config)
    source = "--as" if as_email else USER_ENV if os.environ.get(USER_ENV) else None
    if source is None:
        return user
    os_user = getpass.getuser()
    mapped = find_employee_by_os_user(db, os_user)
    if mapped is None or mapped.id != user.id:
        actor = audit.Actor.employee(mapped) if mapped else audit.Actor.os_account(os_user)
        detail = f"via {source}, from OS account {os_user!r}"
        audit.record(
            db,
            actor,
            audit.Action.IDENTITY_SWITCH,
            audit.employee_subject(user),
            detail,
            at=clock.now(),
        )
    return user


FIRST_RUN = "first run"
"""The duty of the workspace the app opens on a database with no employees yet: it may
only make the first Admin (`panelist.services.configuration.create_first_admin`)."""


def open_workspace(
    db_path: str | os.PathLike[str] | None = None,
    as_email: str | None = None,
    clock: Clock | None = None,
    registry: PluginRegistry | None = None,
    *,
    first_run: bool = False,
) -> Workspace:
    """The workspace of the user (`as_email`, else the OS account's employee). With
    `first_run` (the app), a database with no employees yet opens as the first-run
    workspace instead of refusing, so the app can ask who its first Admin is."""
    config = load_config()
    registry, path, db = _open(db_path or config.db, registry)
    clock = clock or SystemClock()
    if first_run and as_email is None and not db.execute("SELECT 1 FROM employees").fetchone():
        return Workspace(db, path, registry, clock, SystemActor(FIRST_RUN))
    try:
        user = identify(db, as_email, config, clock)
    except Exception:
        db.close()
        raise
    return Workspace(db, path, registry, clock, user)


def open_system_workspace(
    duty: str,
    db_path: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    registry: PluginRegistry | None = None,
) -> Workspace:
    """A workspace for cron's company-wide `duty`; only the duty commands call this."""
    registry, path, db = _open(db_path or load_config().db, registry)
    return Workspace(db, path, registry, clock or SystemClock(), SystemActor(duty))


def _open(
    db_path: str | os.PathLike[str] | None, registry: PluginRegistry | None
) -> tuple[PluginRegistry, Path, Database]:
    """The plugins, and the database at `db_path` (or the default one), migrated."""
    registry = registry or load_registry()
    path = resolve_db_path(db_path)
    return registry, path, open_database(path, registry.migrations)


def open_session_workspace(
    key_id: str,
    config_file: Path | None = None,
    clock: Clock | None = None,
    registry: PluginRegistry | None = None,
) -> Workspace:
    """The workspace of a forced-command SSH session: the employee is the one the key KEY-ID
    was granted to, the database the one the service account's config file names. Nothing
    from the client counts: not --as, and no PANELIST_* or TEXTUAL_* variable."""
    from panelist.services.access import employee_for_key  # it imports this module

    forget_client_environment()
    config_file = config_file or default_config_path()
    refuse_shared_writes(config_file, "the config file")
    config = load_config(config_file)
    # Never PANELIST_DB: the client's environment does not choose the database.
    registry, path, db = _open(config.db or default_db_path(), registry)
    clock = clock or SystemClock()
    try:
        user = employee_for_key(db, key_id)
    except PermissionDenied as refused:
        actor = audit.Actor(None, f"ssh key {key_id}")
        audit.record(db, actor, audit.Action.SSH_SESSION, f"ssh key {key_id}", str(refused))
        db.close()
        raise
    except Exception:
        db.close()
        raise
    return Workspace(db, path, registry, clock, user)


def forget_client_environment() -> None:
    """Drop every PANELIST_* and TEXTUAL_* variable: in an SSH session the client may have
    sent them (sshd's AcceptEnv), and they pick plugins, timeouts, secrets, Textual's log
    file, screenshots or devtools host. A session's settings are the service account's
    config file; its secrets come from the keyring. Textual reads its variables when first
    imported, so this runs before the app is."""
    for name in [name for name in os.environ if name.startswith(CLIENT_ENV_PREFIXES)]:
        del os.environ[name]


def record_ssh_session(ws: Workspace, key_id: str, what: str) -> None:
    """The audit line of a forced-command session: its key, its client, what it did."""
    client = os.environ.get("SSH_CONNECTION", "").split(" ")[0] or "unknown"
    detail = f"key {key_id} from {client}: {what}"
    audit.record_by(ws, audit.Action.SSH_SESSION, audit.employee_subject(ws.user), detail)
