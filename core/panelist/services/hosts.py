"""Who may host a video interview where (SPEC §2.6): each video provider's verdict on a
person, kept in ``video_accounts`` with when it was asked (``checked_at``).

A verdict older than the setting ``host_verification_ttl_hours`` (or never asked) is asked
again when the interview form shows the host (`verify_host`); the form can also ask again
at once (``force``). The form offers what the kept verdicts say; the invite itself asks the
provider live (`panelist.scheduling.recheck`), so a stale verdict never books a meeting.
Providers that do not verify hosts (Jitsi) are not asked: an admin lists their accounts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from panelist.errors import PanelistError
from panelist.mail.headers import one_line
from panelist.permissions import Right, require
from panelist.providers import ConferenceCapability
from panelist.retry import with_retries
from panelist.scheduling.settings import retry_policy
from panelist.services.directory import (
    get_employee,
    positive_setting,
    providers_with_settings,
)
from panelist.storage.instants import from_text, to_text
from panelist.workspace import Workspace


@dataclass(frozen=True)
class HostCheck:
    provider: str
    verified: bool | None
    """None: the provider did not answer (`problem` says why); the kept verdict stays."""
    problem: str = ""


def stale_verifications(ws: Workspace, host_id: int) -> list[str]:
    """The installed providers that verify hosts whose verdict on the host is missing or
    older than the time-to-live."""
    require(ws.db, ws.user.id, Right.SCHEDULE_INTERVIEWS)
    ttl = timedelta(hours=positive_setting(ws.db, "host_verification_ttl_hours"))
    now = ws.clock.now()
    asked = dict(
        ws.db.execute(
            "SELECT provider, checked_at FROM video_accounts WHERE employee_id = ?", [host_id]
        ).fetchall()
    )
    return [
        provider_id
        for provider_id in _verifying(ws)
        if asked.get(provider_id) is None or now - from_text(asked[provider_id]) >= ttl
    ]


async def verify_host(ws: Workspace, host_id: int, *, force: bool = False) -> list[HostCheck]:
    """Ask the providers (the stale ones; every one with `force`) whether the person may
    host, and keep their verdicts; a provider that does not answer keeps its old one."""
    require(ws.db, ws.user.id, Right.SCHEDULE_INTERVIEWS)
    host = get_employee(ws.db, host_id)
    wanted = _verifying(ws) if force else stale_verifications(ws, host_id)
    checks = await asyncio.gather(*(_ask(ws, host.id, host.email, p) for p in wanted))
    now = ws.clock.now()
    with ws.db.atomic():
        for check in checks:
            if check.verified is not None:
                _keep(ws, host.id, host.email, check, now)
    return list(checks)


def _verifying(ws: Workspace) -> list[str]:
    """Installed providers that verify hosts and are set up here (have settings)."""
    set_up = providers_with_settings(ws.db)
    return sorted(
        provider_id
        for provider_id, provider in ws.registry.conference_providers.items()
        if ConferenceCapability.VERIFIES_HOSTS in provider.capabilities
        and (provider.settings_id or provider_id) in set_up
    )


async def _ask(ws: Workspace, host_id: int, email: str, provider_id: str) -> HostCheck:
    row = ws.db.execute(
        "SELECT account FROM video_accounts WHERE employee_id = ? AND provider = ?",
        [host_id, provider_id],
    ).fetchone()
    account = str(row[0]) if row else email
    try:
        provider = ws.conference_provider(provider_id)
        verified = await with_retries(
            lambda: provider.is_verified_host(account), retry_policy(ws.db), provider=provider_id
        )
    except PanelistError as exc:
        return HostCheck(provider_id, None, one_line(str(exc)))
    return HostCheck(provider_id, bool(verified))


def _keep(ws: Workspace, host_id: int, email: str, check: HostCheck, now: datetime) -> None:
    stamp = to_text(now)
    ws.db.execute(
        "INSERT INTO video_accounts (employee_id, provider, account, verified_at, checked_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (employee_id, provider) DO UPDATE SET"
        " verified_at = CASE WHEN excluded.verified_at IS NULL THEN NULL"
        " ELSE coalesce(video_accounts.verified_at, excluded.verified_at) END,"
        " checked_at = excluded.checked_at",
        [host_id, check.provider, email, stamp if check.verified else None, stamp],
    )
