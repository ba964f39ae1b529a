"""The loopback fake Google, one per test, with a domain of two people and a room."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google_domain import ADMIN, ANA, BOB, ROOM

from panelist_google.testing import CALENDAR_SCOPE, FakeGoogle


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as fake:
        fake.add_user(ANA, "Ana Jansen", time_zone="Europe/Amsterdam")
        fake.add_user(BOB, "Bob de Vries")
        fake.add_user(ADMIN, "Workspace Admin", is_admin=True)
        fake.add_room(ROOM, "Amstel", capacity=8, building_id="hq")
        yield fake
        assert fake.internal_errors == [], "the fake itself failed:\n" + "\n".join(
            fake.internal_errors
        )


@pytest.fixture
def key_file(google: FakeGoogle, tmp_path: Path) -> Path:
    return google.service_account_key_file(tmp_path / "key.json")


@pytest.fixture
def service(google: FakeGoogle, key_file: Path) -> Callable[..., Any]:
    """``service("calendar", "v3", subject=ANA)``: the real client, acting as a person
    through the service account's domain-wide delegation."""
    from google.oauth2 import service_account
    from googleapiclient.discovery import build

    endpoints = {
        "calendar": google.calendar_endpoint,
        "admin": google.admin_endpoint,
        "meet": google.meet_endpoint,
    }

    def make(
        name: str = "calendar",
        version: str = "v3",
        *,
        subject: str = ANA,
        scopes: tuple[str, ...] = (CALENDAR_SCOPE,),
    ) -> Any:
        credentials = service_account.Credentials.from_service_account_file(
            str(key_file), scopes=list(scopes)
        ).with_subject(subject)
        return build(
            name,
            version,
            credentials=credentials,
            client_options={"api_endpoint": endpoints[name]},
            cache_discovery=False,
        )

    return make
