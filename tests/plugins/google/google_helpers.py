"""The google provider wired to the loopback fake: settings as `panelist connect google`
writes them, the key file the fake issued, and the fake playing "another client"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from google_domain import ADMIN

from panelist.clock import FrozenClock
from panelist.providers import EventDraft, ProviderContext, ResponseStatus
from panelist_google.config import SERVICE_ACCOUNT_SCOPES
from panelist_google.convert import google_time
from panelist_google.provider import GoogleCalendarProvider
from panelist_google.testing import FakeGoogle

RESPONSES = {
    ResponseStatus.ACCEPTED: "accepted",
    ResponseStatus.DECLINED: "declined",
    ResponseStatus.TENTATIVE: "tentative",
    ResponseStatus.NEEDS_ACTION: "needsAction",
}


def settings_for(google: FakeGoogle, key_file: Path, **more: str) -> dict[str, str]:
    return {
        "mode": "service_account",
        "key_file": str(key_file),
        "admin_email": ADMIN,
        "api_base": google.url,
        "timeout": "10",
        **more,
    }


def delegated_key(
    google: FakeGoogle, path: Path, scopes: tuple[str, ...] = SERVICE_ACCOUNT_SCOPES
) -> Path:
    """A service account key the Workspace admin granted Panelist's scopes to."""
    return google.service_account_key_file(path, delegated_scopes=scopes)


def make_provider(
    settings: Mapping[str, str], now: datetime, secrets: Mapping[str, str] | None = None
) -> GoogleCalendarProvider:
    found = dict(secrets or {})
    context = ProviderContext(
        database=None,
        clock=FrozenClock(now),
        settings=dict(settings),
        secret_lookup=lambda provider, name: found.get(name),
    )
    return GoogleCalendarProvider(context)


def answer(
    google: FakeGoogle, calendar_id: str, uid: str, email: str, status: ResponseStatus
) -> None:
    google.respond(email, uid, RESPONSES[status], organizer_calendar=calendar_id)


def override(
    google: FakeGoogle, calendar_id: str, uid: str, recurrence_id: datetime, draft: EventDraft
) -> Any:
    return google.override_instance(
        calendar_id,
        uid,
        recurrence_id,
        summary=draft.summary,
        start=google_time(draft.start, draft.timezone),
        end=google_time(draft.end, draft.timezone),
    )
