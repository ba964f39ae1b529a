"""The CalDAV provider's lines in ``panelist doctor``: settings, password, server, calendars.

Each line names what it checked in words an administrator can act on; core's doctor
adds whose calendar each one is, and its own lines (database, sync state, mail).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from panelist.errors import ConfigurationError, PanelistError, ProviderError
from panelist.providers import Check, CheckStatus

if TYPE_CHECKING:
    from panelist_caldav.provider import CalDAVCalendarProvider

PROVIDER = "caldav"


async def run_checks(provider: CalDAVCalendarProvider, calendar_ids: list[str]) -> list[Check]:
    """Every check, in order: settings, password, server, then each calendar asked about."""
    checks = [_settings_check(provider), *_password_checks(provider)]
    server = await _server_check(provider)
    checks.append(server)
    if not calendar_ids:
        checks.append(Check("calendars", "warn", "no employee or room uses CalDAV yet"))
    elif server.status == "fail":
        checks.append(Check("calendars", "fail", "not checked: the server is not usable"))
    else:
        for calendar_id in dict.fromkeys(calendar_ids):
            checks.append(await _calendar_check(provider, calendar_id))
    return checks


def _settings_check(provider: CalDAVCalendarProvider) -> Check:
    settings = provider.settings
    who = f"as {settings.username!r}" if settings.username else "without a username"
    return Check(
        "settings",
        "ok",
        f"server {settings.url} {who}, {settings.auth_type} auth, timeout {settings.timeout:g} s",
    )


def _password_checks(provider: CalDAVCalendarProvider) -> list[Check]:
    if provider.settings.auth_type == "none":
        return []
    if provider.context.secret(PROVIDER, "password"):
        return [Check("password", "ok", "found (environment or keyring); not shown")]
    return [
        Check(
            "password",
            "warn",
            "none set: put it in PANELIST_CALDAV_PASSWORD or the keyring "
            "(service 'panelist', entry 'caldav:password')",
        )
    ]


async def _server_check(provider: CalDAVCalendarProvider) -> Check:
    try:
        classes = await provider.server_classes()
        if "calendar-access" not in classes:
            return Check(
                "server",
                "fail",
                f"{provider.settings.url} answers but is not a CalDAV server "
                "(no 'calendar-access' in its DAV header)",
            )
        await provider.check_login()
    except PanelistError as exc:
        return Check("server", "fail", str(exc))
    return Check("server", "ok", "CalDAV server reached; credentials accepted")


async def _calendar_check(provider: CalDAVCalendarProvider, calendar_id: str) -> Check:
    def line(status: CheckStatus, detail: str, writable: bool | None = None) -> Check:
        return Check("calendar", status, detail, calendar_id, writable)

    try:
        url = provider.calendar_url(calendar_id)
        info = await provider.calendar_info(calendar_id)
    except (ProviderError, ConfigurationError) as exc:
        return line("fail", str(exc))
    where = _path_of(url)
    if not info.is_calendar:
        return line("fail", f"{where} exists but is not a calendar")
    title = f"calendar {info.name!r} at {where}" if info.name else f"calendar at {where}"
    if info.free_busy_only:
        return line(
            "warn",
            f"{title} shares only free/busy: busy times are read, events are not, "
            "and Panelist cannot add events to it",
            writable=False,
        )
    if not info.can_read:
        return line("fail", f"{title} cannot be read by this user")
    if not info.can_write:
        return line(
            "warn",
            f"{title} is read-only for this user: Panelist cannot add events to it",
            writable=False,
        )
    return line("ok", f"{title} (read, write)", writable=True)


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path
