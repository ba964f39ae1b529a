"""``panelist doctor``'s lines for Google: a revoked grant, a scope not delegated, a calendar
not shared, one shared only as free/busy, each in one line naming the calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from google_domain import ANA, BOB, ROOM
from google_helpers import ADMIN, delegated_key, make_provider, settings_for

from panelist_google.config import CALENDAR_SCOPES
from panelist_google.testing import CALENDAR_SCOPE, FakeGoogle

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 3, 23, 8, tzinfo=UTC)
HIDDEN = "c_hidden@group.calendar.google.com"
TEAM = "c_team@group.calendar.google.com"


def lines(checks: list) -> list[tuple[str, str, str | None]]:
    return [(c.status, c.detail, c.calendar_id) for c in checks]


async def test_every_calendar_gets_a_line(google: FakeGoogle, tmp_path: Path) -> None:
    google.add_user(ADMIN, is_admin=True)
    google.add_calendar(HIDDEN, owner=BOB, acl={})
    google.add_calendar(TEAM, owner=BOB, acl={"domain": "freeBusyReader"})
    provider = make_provider(settings_for(google, delegated_key(google, tmp_path / "k.json")), NOW)
    checks = await provider.check([ANA, ROOM, HIDDEN, TEAM])
    assert [c.name for c in checks] == [
        "settings",
        "key",
        "calendar",
        "calendar",
        "calendar",
        "calendar",
    ]
    found = {c.calendar_id: c for c in checks if c.calendar_id}
    assert found[ANA].status == "ok"
    assert (found[ROOM].status, found[ROOM].writable) == ("ok", True)
    assert found[ROOM].detail.endswith("(read; booked by invitation from admin@example.com)")
    assert found[HIDDEN].status == "fail"
    assert found[HIDDEN].detail.startswith(
        f"not integrated: Google calendar {HIDDEN!r} is not shared"
    )
    assert (found[TEAM].status, found[TEAM].writable) == ("warn", False)
    assert "shares only free/busy" in found[TEAM].detail


async def test_a_revoked_key_and_a_missing_scope_fail_per_calendar(
    google: FakeGoogle, tmp_path: Path
) -> None:
    google.add_user(ADMIN, is_admin=True)
    narrow = delegated_key(google, tmp_path / "narrow.json", scopes=(CALENDAR_SCOPE,))
    checks = await make_provider(settings_for(google, narrow), NOW).check([ANA])
    assert checks[-1].status == "fail" and "unauthorized_client" in checks[-1].detail
    assert "domain-wide delegation" in checks[-1].detail

    key = delegated_key(
        google,
        tmp_path / "k.json",
    )
    google.disable_service_account("panelist@fake-project.iam.gserviceaccount.com")
    checks = await make_provider(settings_for(google, key), NOW).check([ANA])
    assert checks[-1].status == "fail" and "(invalid_grant)" in checks[-1].detail


async def test_a_missing_key_file_fails_before_any_call(google: FakeGoogle, tmp_path: Path) -> None:
    provider = make_provider(settings_for(google, tmp_path / "gone.json"), NOW)
    checks = await provider.check([ANA])
    assert lines(checks)[1:] == [
        (
            "fail",
            f"Google: cannot read the key file {tmp_path / 'gone.json'}: No such file or directory",
            None,
        ),
        ("fail", "not checked: no credentials", None),
    ]
    assert google.calls == []


async def test_a_persons_revoked_oauth_grant_is_their_calendars_line(google: FakeGoogle) -> None:
    client_id, secret = google.add_oauth_client()
    token = google.refresh_token(client_id, ANA, CALENDAR_SCOPES)
    settings = {"mode": "oauth", "client_id": client_id, "token_uri": google.token_uri,
                "api_base": google.url, "oauth_account": ANA}  # fmt: skip
    secrets = {"client_secret": secret, f"refresh_token:{ANA}": token}
    provider = make_provider(settings, NOW, secrets)
    assert (await provider.check([ANA]))[-1].status == "ok"
    assert google.calls_of("calendar.events.list")[-1].subject == ANA

    google.revoke(token)
    checks = await make_provider(settings, NOW, secrets).check([ANA])
    assert checks[-1].status == "fail"
    assert "no longer accepts the grant for ana@example.com (invalid_grant)" in checks[-1].detail
    assert token not in checks[-1].detail and secret not in checks[-1].detail
