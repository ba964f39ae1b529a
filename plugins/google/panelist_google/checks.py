"""The Google provider's lines in ``panelist doctor``: settings, secrets, then each calendar.

A calendar is read once (one event); refused, its free/busy is asked for, which tells "shares
only free/busy" from "not shared at all". Credentials are proved by those calls, so a revoked
grant (invalid_grant), missing delegation or scope (unauthorized_client, insufficient
permissions) show as that calendar's line, in the words `google_api.mapped` gives them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from panelist.errors import AuthenticationFailed, ConfigurationError, PanelistError
from panelist.providers import Check, CheckStatus
from panelist_google.config import SECRET_CLIENT, SECRET_KEY

if TYPE_CHECKING:
    from panelist_google.provider import GoogleCalendarProvider


async def run_checks(provider: GoogleCalendarProvider, calendar_ids: list[str]) -> list[Check]:
    checks = [_settings_check(provider), _secret_check(provider)]
    if checks[-1].status == "fail":
        checks.append(Check("calendars", "fail", "not checked: no credentials"))
        return checks
    if not calendar_ids:
        checks.append(Check("calendars", "warn", "no employee or room uses Google yet"))
    for calendar_id in dict.fromkeys(calendar_ids):
        checks.append(await _calendar_check(provider, calendar_id))
    return checks


def _settings_check(provider: GoogleCalendarProvider) -> Check:
    s = provider.settings
    if s.mode == "service_account":
        admin = f"directory read as {s.admin_email}" if s.admin_email else "no admin_email"
        return Check("settings", "ok", f"service account (domain-wide delegation), {admin}")
    return Check("settings", "ok", f"per-person OAuth, client {s.client_id or '(none)'}")


def _secret_check(provider: GoogleCalendarProvider) -> Check:
    s, secret = provider.settings, provider.grants.secret
    if s.mode == "service_account":
        try:
            provider.grants._key_info()
        except ConfigurationError as exc:
            return Check("key", "fail", str(exc))
        where = "the secret service_account_key" if secret(SECRET_KEY) else s.key_file
        return Check("key", "ok", f"service account key read from {where}; not shown")
    if not s.client_id or not secret(SECRET_CLIENT):
        return Check(
            "client",
            "fail",
            "OAuth client not set up: run 'panelist connect google oauth --client-secrets FILE'",
        )
    return Check("client", "ok", "OAuth client secret found (environment or keyring); not shown")


async def _calendar_check(provider: GoogleCalendarProvider, calendar_id: str) -> Check:
    def line(status: CheckStatus, detail: str, writable: bool | None = None) -> Check:
        return Check("calendar", status, detail, calendar_id, writable)

    now = provider.context.clock.now()
    try:
        await provider.list_events(calendar_id, now, now + timedelta(minutes=1))
    except AuthenticationFailed as exc:
        return line("fail", str(exc))
    except (PanelistError, ConfigurationError) as read_error:
        try:
            await provider.free_busy([calendar_id], now, now + timedelta(hours=1))
        except PanelistError as exc:
            return line("fail", str(exc))
        return line(
            "warn",
            f"Google calendar {calendar_id!r} shares only free/busy ({read_error}): busy "
            "times are read, Panelist cannot add events to it",
            writable=False,
        )
    if provider.settings.is_room(calendar_id):
        try:
            booker = provider.grants.booking_account()
        except ConfigurationError as exc:
            return line("fail", str(exc), writable=False)
        return line(
            "ok",
            f"Google room calendar {calendar_id!r} (read; booked by invitation from {booker})",
            writable=True,
        )
    return line("ok", f"Google calendar {calendar_id!r} (read)")
