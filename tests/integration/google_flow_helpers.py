"""The Northwind company of the CalDAV flow, on Google: Rosa, Sam and Ana keep their
calendars in Google Workspace (the loopback fake), room Amstel is a Workspace room, Meet
makes the video link; Piet stays on the local calendar. The google plugin acts through a
service account with domain-wide delegation, as a company sets it up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caldav_flow_helpers import PEOPLE, NoServer, _fill, email, employee_id
from smtp_helpers import Received

from panelist.plugins import PluginRegistry
from panelist.storage.database import open_database
from panelist_google.config import SERVICE_ACCOUNT_SCOPES
from panelist_google.testing import FakeGoogle

ADMIN = "it@northwind.example"
ROOM = "amstel@resource.calendar.google.com"
ON_GOOGLE = ("rosa", "sam", "ana")


@dataclass
class GoogleCompany:
    db_path: Path
    google: FakeGoogle
    mail: Received

    def events(self, key: str) -> list[dict[str, Any]]:
        """The live (not cancelled) events of a person's calendar, or the room's."""
        calendar = ROOM if key == "room" else email(key)
        with self.google.lock:
            found = self.google.calendars[calendar].events.values()
            return [dict(e) for e in found if e.get("status") != "cancelled"]

    def interview_events(self, key: str) -> list[dict[str, Any]]:
        """The interview events in a person's calendar, or the room's."""
        return [e for e in self.events(key) if _interview_of(e)]


def _interview_of(event: dict[str, Any]) -> str | None:
    return event.get("extendedProperties", {}).get("private", {}).get("panelistInterview")


def build_google_company(
    google: FakeGoogle, folder: Path, registry: PluginRegistry, mail: Received
) -> GoogleCompany:
    google.add_user(ADMIN, "IT", is_admin=True)
    for key in ON_GOOGLE:
        google.add_user(email(key), PEOPLE[key][0], time_zone="Europe/Amsterdam")
    google.add_room(ROOM, "Amstel", capacity=6, building_id="keizersgracht")
    key_file = google.service_account_key_file(
        folder / "key.json", delegated_scopes=SERVICE_ACCOUNT_SCOPES
    )
    company = GoogleCompany(folder / "northwind.db", google, mail)
    db = open_database(company.db_path, registry.migrations)
    try:
        with db.atomic():
            _fill(db, NoServer())  # the CalDAV flow's company, then moved to Google
            for key in ON_GOOGLE:
                db.execute(
                    "UPDATE employees SET calendar_provider = 'google', calendar_id = ?"
                    " WHERE id = ?",
                    [email(key), employee_id(key)],
                )
            db.execute("UPDATE rooms SET calendar_provider = 'google', calendar_id = ?", [ROOM])
            db.execute("DELETE FROM provider_settings")
            for name, value in {
                "mode": "service_account",
                "key_file": str(key_file),
                "admin_email": ADMIN,
                "api_base": google.url,
                "timeout": "5",
            }.items():
                db.table("provider_settings").insert(
                    {"provider": "google", "key": name, "value": value}
                )
            db.table("video_accounts").insert(
                {"employee_id": employee_id("sam"), "provider": "google_meet",
                 "account": email("sam"), "verified_at": "2026-10-01T00:00:00+00:00"}
            )  # fmt: skip
    finally:
        db.close()
    return company
