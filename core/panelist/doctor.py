"""``panelist doctor``: is this Panelist set up right? One line per thing checked.

Core checks what it owns (the database file, each mapped calendar's cached copy, mail);
every calendar provider that calendars are mapped to (or that has settings), and every
conference provider with settings, adds its own lines through `Provider.check`. Each line
starts with ``ok``, ``WARN`` or ``FAIL``; doctor exits 1 when any line failed.
"""

from __future__ import annotations

import stat
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from panelist.errors import PanelistError
from panelist.providers import Check, CheckStatus, Provider
from panelist.services.directory import providers_with_settings

if TYPE_CHECKING:
    from panelist.calendars import CalendarKey, MappedCalendar
    from panelist.workspace import Workspace

LABELS: dict[CheckStatus, str] = {"ok": "ok", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True)
class DoctorLine:
    status: CheckStatus
    subject: str
    detail: str

    def text(self) -> str:
        return f"{LABELS[self.status]:<5} {self.subject}: {self.detail}"


async def run_doctor(ws: Workspace) -> list[DoctorLine]:
    """Every line, in order: database, mail, each provider's own, each calendar's cache."""
    from panelist.calendars import mapped_calendars

    mapped = mapped_calendars(ws.db)
    lines = [database_line(ws), *mail_lines(ws)]
    by_provider: dict[str, list[MappedCalendar]] = defaultdict(list)
    for calendar in mapped:
        by_provider[calendar.key.provider].append(calendar)
    for provider_id in sorted(set(by_provider) | _configured(ws, "calendar")):
        lines += await calendar_provider_lines(ws, provider_id, by_provider[provider_id])
    for provider_id in sorted(_configured(ws, "conference")):
        lines += await _provider_lines(ws, "conference", provider_id, [], {})
    lines += sync_lines(ws, mapped)
    return lines


def verdict(lines: list[DoctorLine]) -> str:
    failures = sum(line.status == "fail" for line in lines)
    warnings = sum(line.status == "warn" for line in lines)
    if not failures and not warnings:
        return "Panelist is set up correctly."
    parts = []
    if failures:
        parts.append(f"{failures} problem{'s' if failures != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return " and ".join(parts) + " found."


# --------------------------------------------------------------------------- core's lines


def database_line(ws: Workspace) -> DoctorLine:
    """Opening it already refused one that others may write; warn when others may read it:
    it holds the company's records and a copy of every mapped calendar."""
    mode = ws.db_path.stat().st_mode
    shown = f"{ws.db_path} (mode {stat.filemode(mode)})"
    if mode & 0o044:
        return DoctorLine(
            "warn",
            "database",
            f"{shown} is readable by others on this host; run chmod 600 {ws.db_path}",
        )
    return DoctorLine("ok", "database", shown)


def mail_lines(ws: Workspace) -> list[DoctorLine]:
    """How mail leaves, as the settings say; no mail is sent and no server is asked."""
    from panelist.mail.transport import MaildirTransport, SmtpTransport, transport_from_settings

    try:
        transport = transport_from_settings(ws.db)
    except PanelistError as exc:
        return [DoctorLine("fail", "mail", str(exc))]
    if isinstance(transport, MaildirTransport):
        return [DoctorLine("ok", "mail", f"written into the Maildir {transport.path}")]
    if not isinstance(transport, SmtpTransport):  # pragma: no cover - only two kinds exist
        return [DoctorLine("ok", "mail", f"sent by {type(transport).__name__}")]
    lines = [
        DoctorLine(
            "ok",
            "mail",
            f"sent by SMTP through {transport.server} ({transport.security})"
            + (f" as {transport.username!r}" if transport.username else ", no login"),
        )
    ]
    if transport.username and not transport.password:
        lines.append(
            DoctorLine(
                "warn",
                "mail password",
                "none set: put it in PANELIST_SMTP_PASSWORD or the keyring "
                "(service 'panelist', entry 'smtp:password')",
            )
        )
    return lines


def sync_lines(ws: Workspace, mapped: list[MappedCalendar]) -> list[DoctorLine]:
    """Each mapped calendar's cached copy: when it last synced, and why it is stale."""
    from panelist.calendars import CalendarCache

    states = CalendarCache(ws.db).states([calendar.key for calendar in mapped])
    lines = []
    for calendar in mapped:
        subject = f"{calendar.owner} ({_key_text(calendar.key)})"
        state = states.get(calendar.key)
        if state is None or (state.synced_at is None and state.error is None):
            lines.append(DoctorLine("warn", subject, "never synced: run panelist sync"))
        elif state.error is not None:
            since = _when(state.stale_since or state.attempted_at)
            last = _when(state.synced_at) if state.synced_at else "never"
            lines.append(
                DoctorLine(
                    "warn",
                    subject,
                    f"cached copy stale since {since} (last success {last}): {state.error}",
                )
            )
        else:
            synced = f"synced {_when(state.synced_at)} ({state.mode})"
            lines.append(DoctorLine("ok", subject, synced))
    return lines


# --------------------------------------------------------------------------- providers


async def calendar_provider_lines(
    ws: Workspace, provider_id: str, calendars: list[MappedCalendar]
) -> list[DoctorLine]:
    """The provider's lines about its calendars, named after their employees and rooms."""
    owners: dict[str, list[MappedCalendar]] = defaultdict(list)
    for calendar in calendars:
        owners[calendar.key.calendar_id].append(calendar)
    return await _provider_lines(ws, "calendar", provider_id, list(owners), owners)


async def conference_provider_lines(ws: Workspace, provider_id: str) -> list[DoctorLine]:
    """A video provider's own lines (its settings, secrets and server)."""
    return await _provider_lines(ws, "conference", provider_id, [], {})


async def _provider_lines(
    ws: Workspace,
    kind: str,
    provider_id: str,
    calendar_ids: list[str],
    owners: dict[str, list[MappedCalendar]],
) -> list[DoctorLine]:
    label = _display_name(ws, kind, provider_id)
    try:
        provider: Provider = (
            ws.calendar_provider(provider_id)
            if kind == "calendar"
            else ws.conference_provider(provider_id)
        )
        try:
            checks = await provider.check(calendar_ids)
        finally:
            await provider.aclose()
    except PanelistError as exc:
        return [DoctorLine("fail", f"{label} settings", str(exc))]
    except Exception as exc:  # a plugin's bug: one line, the other checks still run
        return [DoctorLine("fail", label, f"its check failed: {type(exc).__name__}: {exc}")]
    rooms = _room_calendars(ws)
    lines: list[DoctorLine] = []
    for check in checks:
        if check.calendar_id is None or check.calendar_id not in owners:
            lines.append(DoctorLine(check.status, f"{label} {check.name}", check.detail))
            continue
        for calendar in owners[check.calendar_id]:
            lines.append(_calendar_line(check, calendar, calendar.key in rooms))
    return lines


def _calendar_line(check: Check, calendar: MappedCalendar, is_room: bool) -> DoctorLine:
    """A room's calendar must take bookings: one Panelist cannot write to is a failure."""
    status = "fail" if is_room and check.writable is False else check.status
    return DoctorLine(status, calendar.owner, check.detail)


def _configured(ws: Workspace, kind: str) -> set[str]:
    """Installed providers of `kind` that have settings in this database (their own, or
    those of the provider whose settings they read: `Provider.settings_id`)."""
    installed: dict[str, type[Provider]] = dict(
        ws.registry.calendar_providers if kind == "calendar" else ws.registry.conference_providers
    )
    configured = providers_with_settings(ws.db)
    return {
        provider_id
        for provider_id, provider in installed.items()
        if (provider.settings_id or provider_id) in configured
    }


def _display_name(ws: Workspace, kind: str, provider_id: str) -> str:
    installed: dict[str, type[Provider]] = dict(
        ws.registry.calendar_providers if kind == "calendar" else ws.registry.conference_providers
    )
    found = installed.get(provider_id)
    return found.display_name if found is not None else provider_id


def _room_calendars(ws: Workspace) -> set[CalendarKey]:
    from panelist.calendars import CalendarKey

    rows = ws.db.execute(
        "SELECT calendar_provider, calendar_id FROM rooms WHERE calendar_id IS NOT NULL"
    ).fetchall()
    return {CalendarKey(provider, calendar_id) for provider, calendar_id in rows}


def _key_text(key: CalendarKey) -> str:
    return f"{key.provider}:{key.calendar_id}"


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"
