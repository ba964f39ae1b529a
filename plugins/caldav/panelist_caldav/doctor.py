"""``panelist doctor``: is CalDAV set up right? Checks the server, then every mapped calendar.

Each line starts with ``ok``, ``WARN`` or ``FAIL`` and names what it checked in
words an administrator can act on; the exit status is 1 when anything failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from panelist.errors import ConfigurationError, PanelistError, ProviderError
from panelist.providers import ProviderContext

if TYPE_CHECKING:
    from sqlite_utils import Database

    from panelist.clock import Clock
    from panelist_caldav.provider import CalDAVCalendarProvider

PROVIDER = "caldav"
Status = Literal["ok", "WARN", "FAIL"]
SecretLookup = Callable[[str, str], "str | None"]


@dataclass(frozen=True)
class Check:
    status: Status
    subject: str
    message: str

    def line(self) -> str:
        return f"{self.status:<5} {self.subject}: {self.message}"


@dataclass(frozen=True)
class MappedCalendar:
    kind: Literal["employee", "room"]
    name: str
    calendar_id: str


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $PANELIST_DB, the config file, or the user data dir).",
)
@click.pass_context
def doctor(ctx: click.Context, db_path: Path | None) -> None:
    """Check the CalDAV server connection and every employee and room calendar mapped to it."""
    import anyio

    from panelist.cli import say
    from panelist.clock import SystemClock
    from panelist.config import load_config
    from panelist.plugins import load_registry
    from panelist.storage.database import open_database, resolve_db_path

    path = resolve_db_path(db_path or (ctx.obj or {}).get("db_path") or load_config().db)
    if not path.exists():
        raise click.ClickException(f"no Panelist database at {path}")
    db = open_database(path, load_registry().migrations)
    try:
        checks = anyio.run(run_checks, db, SystemClock())
    finally:
        db.close()
    for check in checks:
        say(check.line())  # names and server messages in it may hold control characters
    failures = sum(check.status == "FAIL" for check in checks)
    warnings = sum(check.status == "WARN" for check in checks)
    click.echo(_verdict(failures, warnings))
    if failures:
        ctx.exit(1)


async def run_checks(
    db: Database, clock: Clock, secret_lookup: SecretLookup | None = None
) -> list[Check]:
    """Every check, in order: settings, password, server, then each mapped calendar."""
    from panelist_caldav.provider import CalDAVCalendarProvider

    settings = provider_settings(db)
    context = ProviderContext(database=db, clock=clock, settings=settings)
    if secret_lookup is not None:
        context.secret_lookup = secret_lookup
    try:
        provider = CalDAVCalendarProvider(context)
    except ConfigurationError as exc:
        return [Check("FAIL", "settings", str(exc))]
    try:
        checks = [_settings_check(provider), *_password_checks(provider)]
        server = await _server_check(provider)
        checks.append(server)
        mapped = mapped_calendars(db)
        if not mapped:
            checks.append(Check("WARN", "calendars", "no employee or room uses CalDAV yet"))
        elif server.status == "FAIL":
            checks.append(Check("FAIL", "calendars", "not checked: the server is not usable"))
        else:
            for calendar in mapped:
                checks.append(await _calendar_check(provider, calendar))
                checks.extend(_cache_check(db, calendar))
        return checks
    finally:
        await provider.aclose()


def provider_settings(db: Database) -> dict[str, str]:
    rows = db.execute(
        "SELECT key, value FROM provider_settings WHERE provider = ?", [PROVIDER]
    ).fetchall()
    return {key: value for key, value in rows}


def mapped_calendars(db: Database) -> list[MappedCalendar]:
    employees = db.execute(
        "SELECT name, email, calendar_id FROM employees"
        " WHERE calendar_provider = ? AND active = 1 ORDER BY name",
        [PROVIDER],
    ).fetchall()
    rooms = db.execute(
        "SELECT name, calendar_id FROM rooms WHERE calendar_provider = ? ORDER BY name",
        [PROVIDER],
    ).fetchall()
    return [
        *(MappedCalendar("employee", f"{name} <{email}>", cid) for name, email, cid in employees),
        *(MappedCalendar("room", name, cid) for name, cid in rooms),
    ]


def _settings_check(provider: CalDAVCalendarProvider) -> Check:
    settings = provider.settings
    who = f"as {settings.username!r}" if settings.username else "without a username"
    return Check(
        "ok",
        "settings",
        f"server {settings.url} {who}, {settings.auth_type} auth, timeout {settings.timeout:g} s",
    )


def _password_checks(provider: CalDAVCalendarProvider) -> list[Check]:
    if provider.settings.auth_type == "none":
        return []
    if provider.context.secret(PROVIDER, "password"):
        return [Check("ok", "password", "found (environment or keyring); not shown")]
    return [
        Check(
            "WARN",
            "password",
            "none set: put it in PANELIST_CALDAV_PASSWORD or the keyring "
            "(service 'panelist', entry 'caldav:password')",
        )
    ]


async def _server_check(provider: CalDAVCalendarProvider) -> Check:
    try:
        classes = await provider.server_classes()
        if "calendar-access" not in classes:
            return Check(
                "FAIL",
                "server",
                f"{provider.settings.url} answers but is not a CalDAV server "
                "(no 'calendar-access' in its DAV header)",
            )
        await provider.check_login()
    except PanelistError as exc:
        return Check("FAIL", "server", str(exc))
    return Check("ok", "server", "CalDAV server reached; credentials accepted")


async def _calendar_check(provider: CalDAVCalendarProvider, calendar: MappedCalendar) -> Check:
    subject = f"{calendar.kind} {calendar.name}"
    try:
        url = provider.calendar_url(calendar.calendar_id)
        info = await provider.calendar_info(calendar.calendar_id)
    except (ProviderError, ConfigurationError) as exc:
        return Check("FAIL", subject, str(exc))
    where = _path_of(url)
    if not info.is_calendar:
        return Check("FAIL", subject, f"{where} exists but is not a calendar")
    title = f"calendar {info.name!r} at {where}" if info.name else f"calendar at {where}"
    if info.free_busy_only:
        return Check(
            "FAIL" if calendar.kind == "room" else "WARN",
            subject,
            f"{title} shares only free/busy: busy times are read, events are not, "
            "and Panelist cannot add interviews to it",
        )
    if not info.can_read:
        return Check("FAIL", subject, f"{title} cannot be read by this user")
    if not info.can_write:
        return Check(
            "FAIL" if calendar.kind == "room" else "WARN",
            subject,
            f"{title} is read-only for this user: Panelist cannot add "
            + ("bookings" if calendar.kind == "room" else "interviews")
            + " to it",
        )
    return Check("ok", subject, f"{title} (read, write)")


def _cache_check(db: Database, calendar: MappedCalendar) -> list[Check]:
    """The calendar's copy in core's cache, when its last sync failed or skipped items."""
    from panelist.calendars import CalendarCache, CalendarKey

    key = CalendarKey(PROVIDER, calendar.calendar_id)
    state = CalendarCache(db).states([key]).get(key)
    if state is None or state.error is None:
        return []
    subject = f"{calendar.kind} {calendar.name}"
    return [Check("WARN", subject, f"cached copy is stale: {state.error}")]


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _verdict(failures: int, warnings: int) -> str:
    if not failures and not warnings:
        return "CalDAV is set up correctly."
    parts = []
    if failures:
        parts.append(f"{failures} problem{'s' if failures != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return " and ".join(parts) + " found."
